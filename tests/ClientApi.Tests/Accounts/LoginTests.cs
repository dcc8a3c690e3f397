using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Npgsql;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>GET/POST /login with m.login.password, and what the token store keeps.</summary>
public class LoginTests
{
    private const string Login = "/_matrix/client/v3/login";
    private Homeserver _server = null!;
    private MatrixTestClient _client = null!;
    private TestUser _alice = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _server = await Homeserver.StartAsync();
        _client = _server.NewClient();
        _alice = await _server.RegisterUserAsync("alice");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static JsonObject PasswordLogin(string user, string password) => new()
    {
        ["type"] = "m.login.password",
        ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user },
        ["password"] = password,
    };

    [Test]
    public async Task Get_login_offers_password_flow()
    {
        var response = (await _client.GetAsync(Login)).Ok();

        Assert.That(response["flows"]!.ToJsonString(), Does.Contain("\"m.login.password\""));
    }

    [Test]
    public async Task Login_with_localpart_returns_a_working_token()
    {
        var response = (await _client.PostAsync(Login, PasswordLogin("alice", _alice.Password))).Ok();

        Assert.That(response["user_id"]!.GetValue<string>(), Is.EqualTo(_alice.UserId));
        using var client = _server.NewClient(response["access_token"]!.GetValue<string>());
        var whoami = (await client.GetAsync("/_matrix/client/v3/account/whoami")).Ok();
        Assert.That(whoami["device_id"]!.GetValue<string>(), Is.EqualTo(response["device_id"]!.GetValue<string>()));
    }

    [Test]
    public async Task Login_with_full_user_id_succeeds()
    {
        var response = (await _client.PostAsync(Login, PasswordLogin(_alice.UserId, _alice.Password))).Ok();

        Assert.That(response["user_id"]!.GetValue<string>(), Is.EqualTo(_alice.UserId));
    }

    [Test]
    public async Task Login_with_upper_case_localpart_succeeds()
    {
        var response = (await _client.PostAsync(Login, PasswordLogin("ALICE", _alice.Password))).Ok();

        Assert.That(response["user_id"]!.GetValue<string>(), Is.EqualTo(_alice.UserId));
    }

    [Test]
    public async Task Login_with_legacy_top_level_user_succeeds()
    {
        var response = (await _client.PostAsync(Login, new JsonObject
        {
            ["type"] = "m.login.password", ["user"] = "alice", ["password"] = _alice.Password,
        })).Ok();

        Assert.That(response["user_id"]!.GetValue<string>(), Is.EqualTo(_alice.UserId));
    }

    [Test]
    public async Task Login_with_requested_device_id_uses_it()
    {
        var body = PasswordLogin("alice", _alice.Password);
        body["device_id"] = "LAPTOP";

        var response = (await _client.PostAsync(Login, body)).Ok();

        Assert.That(response["device_id"]!.GetValue<string>(), Is.EqualTo("LAPTOP"));
    }

    [Test]
    public async Task Login_with_wrong_password_is_403_M_FORBIDDEN()
    {
        var response = await _client.PostAsync(Login, PasswordLogin("alice", "not-the-password"));

        response.Expect(HttpStatusCode.Forbidden);
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [Test]
    public async Task Login_of_unknown_user_is_403_M_FORBIDDEN()
    {
        var response = await _client.PostAsync(Login, PasswordLogin("nobody-here", "whatever"));

        response.Expect(HttpStatusCode.Forbidden);
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [Test]
    public async Task Login_of_user_on_another_server_is_403_M_FORBIDDEN()
    {
        var response = await _client.PostAsync(Login, PasswordLogin("@alice:elsewhere.example", _alice.Password));

        response.Expect(HttpStatusCode.Forbidden);
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [Test]
    public async Task Login_with_unknown_type_is_400_M_UNKNOWN()
    {
        var response = await _client.PostAsync(Login, new JsonObject { ["type"] = "m.login.token", ["token"] = "x" });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN"));
    }

    [Test]
    public async Task Login_with_third_party_identifier_is_400_M_UNKNOWN()
    {
        var response = await _client.PostAsync(Login, new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.thirdparty", ["medium"] = "email", ["address"] = "a@b.c" },
            ["password"] = "x",
        });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN"));
    }

    [Test]
    public async Task Login_without_password_is_400_M_MISSING_PARAM()
    {
        var response = await _client.PostAsync(Login, new JsonObject
        {
            ["type"] = "m.login.password", ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = "alice" },
        });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_PARAM"));
    }

    [Test]
    public async Task Login_with_password_of_wrong_type_is_400_M_BAD_JSON()
    {
        var body = PasswordLogin("alice", "x");
        body["password"] = new JsonArray(1, 2);

        var response = await _client.PostAsync(Login, body);

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Login_with_empty_body_is_400_M_NOT_JSON()
    {
        var response = await _client.SendRawAsync(HttpMethod.Post, Login, []);

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_JSON"));
    }

    [Test]
    public async Task Database_keeps_only_a_hash_of_access_tokens()
    {
        await using var connection = new NpgsqlConnection(_server.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT token_hash FROM access_tokens", connection);
        var stored = new List<byte[]>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                stored.Add((byte[])reader[0]);

        var expected = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(_alice.AccessToken));
        Assert.That(stored, Has.Some.EqualTo(expected));
        var tokenBytes = System.Text.Encoding.UTF8.GetBytes(_alice.AccessToken);
        Assert.That(stored, Has.None.EqualTo(tokenBytes));
    }

    [Test]
    public async Task Database_keeps_an_argon2id_hash_not_the_password()
    {
        await using var connection = new NpgsqlConnection(_server.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT password_hash FROM users WHERE user_id = $1", connection);
        command.Parameters.AddWithValue(_alice.UserId);

        var hash = (string)(await command.ExecuteScalarAsync())!;

        Assert.That(hash, Does.StartWith("$argon2id$"));
        Assert.That(hash, Does.Not.Contain(_alice.Password));
    }
}
