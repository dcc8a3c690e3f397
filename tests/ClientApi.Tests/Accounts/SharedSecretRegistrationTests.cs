using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>/_synapse/admin/v1/register: nonce, HMAC-SHA1 over the request, single use.</summary>
public class SharedSecretRegistrationTests
{
    private const string Path = "/_synapse/admin/v1/register";
    private const string Secret = "the-shared-secret";
    private Homeserver _server = null!;
    private MatrixTestClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        // Open registration off: shared-secret registration does not depend on it.
        _server = await Homeserver.StartAsync(new Dictionary<string, string>
        {
            ["Cluster:Registration:SharedSecret"] = Secret,
            ["Cluster:Registration:Enabled"] = "false",
        });
        _client = _server.NewClient();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<string> NonceAsync() => (await _client.GetAsync(Path)).Ok()["nonce"]!.GetValue<string>();

    private static string Mac(string secret, string nonce, string username, string password, bool admin) =>
        Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes($"{nonce}\0{username}\0{password}\0{(admin ? "admin" : "notadmin")}")));

    private static JsonObject Body(string nonce, string username, string password, bool admin, string mac) => new()
    {
        ["nonce"] = nonce, ["username"] = username, ["password"] = password, ["admin"] = admin, ["mac"] = mac,
    };

    [Test]
    public async Task Register_with_correct_mac_returns_a_working_token()
    {
        var nonce = await NonceAsync();

        var response = (await _client.PostAsync(Path, Body(nonce, "operator", "pw", false, Mac(Secret, nonce, "operator", "pw", false)))).Ok();

        Assert.That(response["user_id"]!.GetValue<string>(), Is.EqualTo($"@operator:{_server.ServerName}"));
        Assert.That(response["device_id"]!.GetValue<string>(), Is.Not.Empty);
        using var client = _server.NewClient(response["access_token"]!.GetValue<string>());
        (await client.GetAsync("/_matrix/client/v3/account/whoami")).Ok();
    }

    [Test]
    public async Task Registered_user_can_log_in_with_the_password()
    {
        var nonce = await NonceAsync();
        (await _client.PostAsync(Path, Body(nonce, "admin-login", "pw2", true, Mac(Secret, nonce, "admin-login", "pw2", true)))).Ok();

        var login = await _client.PostAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password", ["user"] = "admin-login", ["password"] = "pw2",
        });

        login.Ok();
    }

    [Test]
    public async Task Displayname_is_set_on_the_profile()
    {
        var nonce = await NonceAsync();
        var body = Body(nonce, "named", "pw", false, Mac(Secret, nonce, "named", "pw", false));
        body["displayname"] = "The Operator";

        (await _client.PostAsync(Path, body)).Ok();

        var profile = (await _client.GetAsync($"/_matrix/client/v3/profile/@named:{_server.ServerName}")).Ok();
        Assert.That(profile["displayname"]!.GetValue<string>(), Is.EqualTo("The Operator"));
    }

    [Test]
    public async Task Wrong_hmac_is_403_M_FORBIDDEN()
    {
        var nonce = await NonceAsync();

        var response = await _client.PostAsync(Path, Body(nonce, "mallory", "pw", false, Mac("wrong-secret", nonce, "mallory", "pw", false)));

        response.Expect(HttpStatusCode.Forbidden);
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [Test]
    public async Task Mac_for_notadmin_does_not_register_an_admin()
    {
        var nonce = await NonceAsync();

        var response = await _client.PostAsync(Path, Body(nonce, "escalate", "pw", true, Mac(Secret, nonce, "escalate", "pw", false)));

        response.Expect(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task Mac_that_is_not_hex_is_403_M_FORBIDDEN()
    {
        var nonce = await NonceAsync();

        var response = await _client.PostAsync(Path, Body(nonce, "nothex", "pw", false, "zz-not-hex"));

        response.Expect(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task Reused_nonce_is_400()
    {
        var nonce = await NonceAsync();
        (await _client.PostAsync(Path, Body(nonce, "once", "pw", false, Mac(Secret, nonce, "once", "pw", false)))).Ok();

        var again = await _client.PostAsync(Path, Body(nonce, "twice", "pw", false, Mac(Secret, nonce, "twice", "pw", false)));

        again.Expect(HttpStatusCode.BadRequest);
        Assert.That(again.ErrCode, Is.EqualTo("M_UNKNOWN"));
    }

    [Test]
    public async Task Nonce_is_spent_by_a_wrong_mac()
    {
        var nonce = await NonceAsync();
        (await _client.PostAsync(Path, Body(nonce, "retry", "pw", false, "00"))).Expect(HttpStatusCode.Forbidden);

        var response = await _client.PostAsync(Path, Body(nonce, "retry", "pw", false, Mac(Secret, nonce, "retry", "pw", false)));

        response.Expect(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Expired_nonce_is_400()
    {
        var nonce = await NonceAsync();
        await using (var connection = new Npgsql.NpgsqlConnection(_server.DatabaseConnectionString))
        {
            await connection.OpenAsync();
            await using var age = new Npgsql.NpgsqlCommand(
                "UPDATE registration_nonces SET created_at = now() - interval '2 minutes' WHERE nonce = $1", connection);
            age.Parameters.AddWithValue(nonce);
            Assert.That(await age.ExecuteNonQueryAsync(), Is.EqualTo(1));
        }

        var response = await _client.PostAsync(Path, Body(nonce, "late", "pw", false, Mac(Secret, nonce, "late", "pw", false)));

        response.Expect(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Made_up_nonce_is_400()
    {
        var response = await _client.PostAsync(Path, Body("made-up", "x", "pw", false, Mac(Secret, "made-up", "x", "pw", false)));

        response.Expect(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Taken_username_is_400_M_USER_IN_USE()
    {
        var first = await NonceAsync();
        (await _client.PostAsync(Path, Body(first, "dupe", "pw", false, Mac(Secret, first, "dupe", "pw", false)))).Ok();
        var second = await NonceAsync();

        var response = await _client.PostAsync(Path, Body(second, "dupe", "pw", false, Mac(Secret, second, "dupe", "pw", false)));

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_USER_IN_USE"));
    }

    [Test]
    public async Task Invalid_username_is_400_M_INVALID_USERNAME()
    {
        var nonce = await NonceAsync();

        var response = await _client.PostAsync(Path, Body(nonce, "bad name", "pw", false, Mac(Secret, nonce, "bad name", "pw", false)));

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_USERNAME"));
    }

    [Test]
    public async Task Missing_mac_is_400_M_MISSING_PARAM()
    {
        var nonce = await NonceAsync();

        var response = await _client.PostAsync(Path, new JsonObject { ["nonce"] = nonce, ["username"] = "x", ["password"] = "y" });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_PARAM"));
    }
}

/// <summary>Without Cluster:Registration:SharedSecret the endpoint refuses, as Synapse does.</summary>
public class SharedSecretRegistrationDisabledTests
{
    private Homeserver _server = null!;

    [OneTimeSetUp]
    public async Task Start() => _server = await Homeserver.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public async Task Nonce_request_without_shared_secret_is_400_M_UNKNOWN()
    {
        using var client = _server.NewClient();

        var response = await client.GetAsync("/_synapse/admin/v1/register");

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN"));
        Assert.That(response.Object["error"]!.GetValue<string>(), Does.Contain("not enabled"));
    }

    [Test]
    public async Task Register_without_shared_secret_is_400_M_UNKNOWN()
    {
        using var client = _server.NewClient();

        var response = await client.PostAsync("/_synapse/admin/v1/register", new JsonObject
        {
            ["nonce"] = "n", ["username"] = "u", ["password"] = "p", ["mac"] = "00",
        });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN"));
    }
}
