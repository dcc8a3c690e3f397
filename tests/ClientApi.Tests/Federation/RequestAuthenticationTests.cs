using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Shared.Federation.Authentication;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Cluster.Shared.Signing;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// X-Matrix request authentication between two real homeservers: B's signed request to A is
/// accepted; every way of getting it wrong is 401 M_UNAUTHORIZED (or the spec's JSON errors).
/// The endpoint under test is A's profile query, the first authenticated federation endpoint.
/// </summary>
public class RequestAuthenticationTests : TwoServerFixture
{
    private string _profilePath = null!;

    protected override async Task OnStartedAsync()
    {
        await Alice.Client.PutAsync($"/_matrix/client/v3/profile/{Uri.EscapeDataString(Alice.UserId)}/displayname",
            new JsonObject { ["displayname"] = "Alice" });
        _profilePath = $"/_matrix/federation/v1/query/profile?user_id={Uri.EscapeDataString(Alice.UserId)}";
    }

    /// <summary>Sends to A what the test built: any header, any body.</summary>
    private async Task<MatrixResponse> SendToAAsync(HttpMethod method, string uri, string? authorization, byte[]? body = null)
    {
        using var http = new HttpClient { BaseAddress = A.BaseAddress };
        using var request = new HttpRequestMessage(method, uri);
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (body is not null)
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new MatrixResponse(response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<string> SignedByB(string method, string uri, JsonObject? content, string? origin = null, string? destination = null)
    {
        var key = await B.SigningKeyAsync();
        return FederationRequestSignature.Sign(method, uri, ServerName.Parse(origin ?? B.ServerName),
            ServerName.Parse(destination ?? A.ServerName), content, key).Format();
    }

    private static void AssertUnauthorized(MatrixResponse response)
    {
        Assert.Multiple(() =>
        {
            Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Unauthorized), response.Body?.ToJsonString());
            Assert.That(response.ErrCode, Is.EqualTo("M_UNAUTHORIZED"));
        });
    }

    [Test]
    public async Task Request_signed_by_B_through_its_federation_client_is_accepted()
    {
        var response = await FromBAsync(_profilePath);
        Assert.Multiple(() =>
        {
            Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
            Assert.That(response.Body?["displayname"]?.GetValue<string>(), Is.EqualTo("Alice"));
        });
    }

    [Test]
    public async Task Signed_request_with_a_json_body_is_accepted()
    {
        var content = new JsonObject { ["anything"] = 1 };
        var response = await SendToAAsync(HttpMethod.Get, _profilePath, await SignedByB("GET", _profilePath, content), CanonicalJson.Encode(content));
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK), response.Body?.ToJsonString());
    }

    [Test]
    public async Task Missing_authorization_is_401_M_UNAUTHORIZED() =>
        AssertUnauthorized(await SendToAAsync(HttpMethod.Get, _profilePath, null));

    [Test]
    public async Task Bearer_authorization_is_401_M_UNAUTHORIZED() =>
        AssertUnauthorized(await SendToAAsync(HttpMethod.Get, _profilePath, "Bearer abc"));

    [Test]
    public async Task Malformed_x_matrix_header_is_401_M_UNAUTHORIZED() =>
        AssertUnauthorized(await SendToAAsync(HttpMethod.Get, _profilePath, $"X-Matrix origin=\"{B.ServerName}\",key=\"ed25519:x\""));

    [Test]
    public async Task Wrong_destination_is_401_M_UNAUTHORIZED() =>
        AssertUnauthorized(await SendToAAsync(HttpMethod.Get, _profilePath,
            await SignedByB("GET", _profilePath, null, destination: "elsewhere.example")));

    [Test]
    public async Task Tampered_body_is_401_M_UNAUTHORIZED()
    {
        var header = await SignedByB("GET", _profilePath, new JsonObject { ["amount"] = 1 });
        AssertUnauthorized(await SendToAAsync(HttpMethod.Get, _profilePath, header, Encoding.UTF8.GetBytes("{\"amount\":2}")));
    }

    [Test]
    public async Task Tampered_uri_is_401_M_UNAUTHORIZED()
    {
        var header = await SignedByB("GET", _profilePath + "&field=displayname", null);
        AssertUnauthorized(await SendToAAsync(HttpMethod.Get, _profilePath, header));
    }

    [Test]
    public async Task Unknown_key_id_is_401_M_UNAUTHORIZED()
    {
        var header = XMatrixAuthorization.TryParse(await SignedByB("GET", _profilePath, null), out var parsed, out _)
            ? (parsed! with { KeyId = SigningKeyId.Ed25519("unknown") }).Format()
            : throw new AssertionException("B's own header does not parse");
        AssertUnauthorized(await SendToAAsync(HttpMethod.Get, _profilePath, header));
    }

    [Test]
    public async Task Origin_that_does_not_hold_the_signing_key_is_401_M_UNAUTHORIZED()
    {
        // Signed with B's key but claiming to be another server (one that does not answer).
        var header = await SignedByB("GET", _profilePath, null, origin: "127.0.0.1:1");
        AssertUnauthorized(await SendToAAsync(HttpMethod.Get, _profilePath, header));
    }

    [Test]
    public async Task Signature_by_another_key_under_Bs_key_id_is_401_M_UNAUTHORIZED()
    {
        var bKey = await B.SigningKeyAsync();
        using var impostor = Ed25519SigningKey.Generate(bKey.KeyId.Version);
        var header = FederationRequestSignature.Sign("GET", _profilePath, ServerName.Parse(B.ServerName),
            ServerName.Parse(A.ServerName), null, impostor).Format();
        AssertUnauthorized(await SendToAAsync(HttpMethod.Get, _profilePath, header));
    }

    [Test]
    public async Task Request_claiming_to_come_from_the_server_itself_is_401_M_UNAUTHORIZED()
    {
        var header = await SignedByB("GET", _profilePath, null, origin: A.ServerName);
        AssertUnauthorized(await SendToAAsync(HttpMethod.Get, _profilePath, header));
    }

    [Test]
    public async Task Non_json_body_is_400_M_NOT_JSON()
    {
        var header = await SignedByB("GET", _profilePath, null);
        var response = await SendToAAsync(HttpMethod.Get, _profilePath, header, Encoding.UTF8.GetBytes("not json"));
        Assert.That(response.Expect(HttpStatusCode.BadRequest).ErrCode, Is.EqualTo("M_NOT_JSON"));
    }

    [Test]
    public async Task Profile_query_for_an_unknown_local_user_is_404_M_NOT_FOUND()
    {
        var path = $"/_matrix/federation/v1/query/profile?user_id={Uri.EscapeDataString("@nobody:" + A.ServerName)}";
        var response = await SendToAAsync(HttpMethod.Get, path, await SignedByB("GET", path, null));
        Assert.That(response.Expect(HttpStatusCode.NotFound).ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task Profile_query_with_an_unknown_field_is_400_M_INVALID_PARAM()
    {
        var path = _profilePath + "&field=email";
        var response = await SendToAAsync(HttpMethod.Get, path, await SignedByB("GET", path, null));
        Assert.That(response.Expect(HttpStatusCode.BadRequest).ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task Version_needs_no_authentication()
    {
        var response = await SendToAAsync(HttpMethod.Get, "/_matrix/federation/v1/version", null);
        Assert.That(response.Ok()["server"]!["name"]!.GetValue<string>(), Is.EqualTo("Cluster"));
    }

    [Test]
    public async Task Unknown_federation_path_is_404_M_UNRECOGNIZED()
    {
        var response = await SendToAAsync(HttpMethod.Put, "/_matrix/federation/v1/no_such_endpoint", await SignedByB("PUT", "/_matrix/federation/v1/no_such_endpoint", null));
        Assert.That(response.Expect(HttpStatusCode.NotFound).ErrCode, Is.EqualTo("M_UNRECOGNIZED"));
    }
}
