using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cluster.Shared.Federation.Authentication;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;

namespace Cluster.Load.Federation;

/// <summary>A federation response: status and JSON body (null when empty or not JSON).</summary>
internal sealed record SignedResponse(int Status, JsonObject? Body, string Text)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public JsonObject Ok(string what) =>
        IsSuccess && Body is not null ? Body : throw new HttpRequestException($"{what}: {Status} {Text}");
}

/// <summary>
/// Requests from <see cref="FakeRemoteServer"/> to the server under test, signed with X-Matrix by
/// the server's own signing code, sent straight to the server's URL (no discovery).
/// </summary>
internal sealed class SignedFederationClient(HttpClient http, FakeRemoteServer origin, ServerName destination)
{
    public async Task<SignedResponse> SendAsync(HttpMethod method, string pathAndQuery, JsonObject? body, CancellationToken cancellationToken)
    {
        var authorization = FederationRequestSignature.Sign(
            method.Method, pathAndQuery, ServerName.Parse(origin.ServerName), destination, body, origin.Key);
        using var request = new HttpRequestMessage(method, pathAndQuery.TrimStart('/'));
        request.Headers.TryAddWithoutValidation("Authorization", authorization.Format());
        if (body is not null)
            request.Content = new ByteArrayContent(CanonicalJson.Encode(body))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
            };
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonObject? parsed = null;
        try
        {
            parsed = text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null;
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return new SignedResponse((int)response.StatusCode, parsed, text);
    }
}
