using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>POST /register with open registration (m.login.dummy).</summary>
public class RegistrationTests
{
    private const string Register = "/_matrix/client/v3/register";
    private Homeserver _server = null!;
    private MatrixTestClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _server = await Homeserver.StartAsync();
        _client = _server.NewClient();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Register_without_auth_is_401_with_dummy_flow_and_session()
    {
        var response = await _client.PostAsync(Register, new JsonObject { ["username"] = "first-try", ["password"] = "secret" });

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.Object["flows"]!.ToJsonString(), Is.EqualTo("""[{"stages":["m.login.dummy"]}]"""));
        Assert.That(response.Object["session"]!.GetValue<string>(), Is.Not.Empty);
        Assert.That(response.Object["params"], Is.InstanceOf<JsonObject>());
        Assert.That(response.ErrCode, Is.Null);
    }

    [Test]
    public async Task Register_with_dummy_auth_returns_user_device_and_working_token()
    {
        var user = await _server.RegisterUserAsync("alice-dummy");

        Assert.That(user.UserId, Is.EqualTo($"@alice-dummy:{_server.ServerName}"));
        Assert.That(user.DeviceId, Is.Not.Empty);
        var whoami = (await user.Client.GetAsync("/_matrix/client/v3/account/whoami")).Ok();
        Assert.That(whoami["user_id"]!.GetValue<string>(), Is.EqualTo(user.UserId));
        Assert.That(whoami["device_id"]!.GetValue<string>(), Is.EqualTo(user.DeviceId));
    }

    [Test]
    public async Task Register_with_dummy_auth_and_no_session_succeeds()
    {
        var response = await _client.PostAsync(Register, new JsonObject
        {
            ["username"] = "no-session", ["password"] = "secret", ["auth"] = new JsonObject { ["type"] = "m.login.dummy" },
        });

        Assert.That(response.Ok()["user_id"]!.GetValue<string>(), Is.EqualTo($"@no-session:{_server.ServerName}"));
    }

    [Test]
    public async Task Register_on_r0_alias_works()
    {
        var response = await _client.PostAsync("/_matrix/client/r0/register", new JsonObject
        {
            ["username"] = "r0-user", ["auth"] = new JsonObject { ["type"] = "m.login.dummy" },
        });

        Assert.That(response.Ok()["user_id"]!.GetValue<string>(), Is.EqualTo($"@r0-user:{_server.ServerName}"));
    }

    [Test]
    public async Task Register_without_username_generates_a_conformant_user_id()
    {
        var response = (await _client.PostAsync(Register, new JsonObject
        {
            ["auth"] = new JsonObject { ["type"] = "m.login.dummy" },
        })).Ok();

        var userId = response["user_id"]!.GetValue<string>();
        Assert.That(userId, Does.Match($"^@[a-z0-9]+:{_server.ServerName}$"));
    }

    [Test]
    public async Task Register_lower_cases_the_username()
    {
        var response = (await _client.PostAsync(Register, new JsonObject
        {
            ["username"] = "MixedCase", ["auth"] = new JsonObject { ["type"] = "m.login.dummy" },
        })).Ok();

        Assert.That(response["user_id"]!.GetValue<string>(), Is.EqualTo($"@mixedcase:{_server.ServerName}"));
    }

    [Test]
    public async Task Register_taken_username_is_400_M_USER_IN_USE_before_auth()
    {
        await _server.RegisterUserAsync("taken-name");

        var response = await _client.PostAsync(Register, new JsonObject { ["username"] = "taken-name", ["password"] = "x" });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_USER_IN_USE"));
    }

    [TestCase("has space")]
    [TestCase("colon:inside")]
    [TestCase("")]
    [TestCase("émile")]
    [TestCase("../../etc/passwd\u0000")]
    public async Task Register_invalid_username_is_400_M_INVALID_USERNAME(string username)
    {
        var response = await _client.PostAsync(Register, new JsonObject { ["username"] = username });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_USERNAME"));
    }

    [Test]
    public async Task Register_huge_username_is_400_M_INVALID_USERNAME()
    {
        var response = await _client.PostAsync(Register, new JsonObject { ["username"] = new string('a', 100_000) });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_USERNAME"));
    }

    [Test]
    public async Task Register_username_of_wrong_type_is_400_M_BAD_JSON()
    {
        var response = await _client.PostAsync(Register, new JsonObject { ["username"] = 42 });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Register_with_unknown_session_is_400()
    {
        var response = await _client.PostAsync(Register, new JsonObject
        {
            ["username"] = "bad-session", ["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = "nope" },
        });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN"));
    }

    [Test]
    public async Task Register_with_an_auth_type_not_offered_is_401_with_errcode_and_flows()
    {
        var response = await _client.PostAsync(Register, new JsonObject
        {
            ["username"] = "wrong-stage", ["auth"] = new JsonObject { ["type"] = "m.login.recaptcha", ["response"] = "x" },
        });

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.Not.Null);
        Assert.That(response.Object["flows"], Is.Not.Null);
    }

    [Test]
    public async Task Register_with_invalid_utf8_body_is_400_M_NOT_JSON()
    {
        var response = await _client.SendRawAsync(HttpMethod.Post, Register, [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]);

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_JSON"));
    }

    [Test]
    public async Task Register_with_deeply_nested_body_is_400_not_500()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 5000)) + "1" + new string('}', 5000);

        var response = await _client.SendRawAsync(HttpMethod.Post, Register, System.Text.Encoding.UTF8.GetBytes(deep));

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_JSON").Or.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Register_with_inhibit_login_returns_no_token()
    {
        var response = (await _client.PostAsync(Register, new JsonObject
        {
            ["username"] = "inhibited", ["password"] = "pw", ["inhibit_login"] = true,
            ["auth"] = new JsonObject { ["type"] = "m.login.dummy" },
        })).Ok();

        Assert.That(response["user_id"]!.GetValue<string>(), Is.EqualTo($"@inhibited:{_server.ServerName}"));
        Assert.That(response.ContainsKey("access_token"), Is.False);
        Assert.That(response.ContainsKey("device_id"), Is.False);
    }

    [Test]
    public async Task Register_keeps_the_requested_device_id_and_display_name()
    {
        var response = (await _client.PostAsync(Register, new JsonObject
        {
            ["username"] = "with-device", ["password"] = "pw", ["device_id"] = "MYPHONE",
            ["initial_device_display_name"] = "Jungle Phone", ["auth"] = new JsonObject { ["type"] = "m.login.dummy" },
        })).Ok();

        Assert.That(response["device_id"]!.GetValue<string>(), Is.EqualTo("MYPHONE"));
        using var client = _server.NewClient(response["access_token"]!.GetValue<string>());
        var device = (await client.GetAsync("/_matrix/client/v3/devices/MYPHONE")).Ok();
        Assert.That(device["display_name"]!.GetValue<string>(), Is.EqualTo("Jungle Phone"));
    }

    [Test]
    public async Task Register_as_guest_is_403_M_GUEST_ACCESS_FORBIDDEN()
    {
        var response = await _client.PostAsync(Register + "?kind=guest", new JsonObject());

        response.Expect(HttpStatusCode.Forbidden);
        Assert.That(response.ErrCode, Is.EqualTo("M_GUEST_ACCESS_FORBIDDEN"));
    }

    [Test]
    public async Task Register_with_unknown_kind_is_400_M_INVALID_PARAM()
    {
        var response = await _client.PostAsync(Register + "?kind=robot", new JsonObject());

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task Session_completed_for_registration_is_single_use()
    {
        var challenge = await _client.PostAsync(Register, new JsonObject { ["username"] = "once-a" });
        var session = challenge.Object["session"]!.GetValue<string>();
        (await _client.PostAsync(Register, new JsonObject
        {
            ["username"] = "once-a", ["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = session },
        })).Ok();

        var again = await _client.PostAsync(Register, new JsonObject
        {
            ["username"] = "once-b", ["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = session },
        });

        again.Expect(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Available_for_a_free_username_is_true()
    {
        var response = (await _client.GetAsync("/_matrix/client/v3/register/available?username=free-name")).Ok();

        Assert.That(response["available"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task Available_for_a_taken_username_is_400_M_USER_IN_USE()
    {
        await _server.RegisterUserAsync("taken-available");

        var response = await _client.GetAsync("/_matrix/client/v3/register/available?username=taken-available");

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_USER_IN_USE"));
    }

    [Test]
    public async Task Available_for_an_invalid_username_is_400_M_INVALID_USERNAME()
    {
        var response = await _client.GetAsync("/_matrix/client/v3/register/available?username=" + Uri.EscapeDataString("bad name!"));

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_USERNAME"));
    }

    [Test]
    public async Task Available_without_username_is_400_M_MISSING_PARAM()
    {
        var response = await _client.GetAsync("/_matrix/client/v3/register/available");

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_PARAM"));
    }

    [Test]
    public async Task Token_validity_without_tokens_configured_is_403_M_FORBIDDEN()
    {
        var response = await _client.GetAsync("/_matrix/client/v1/register/m.login.registration_token/validity?token=abc");

        response.Expect(HttpStatusCode.Forbidden);
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }
}
