using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>Registration behind m.login.registration_token (Cluster:Registration:Token).</summary>
public class RegistrationTokenTests
{
    private const string Register = "/_matrix/client/v3/register";
    private const string Validity = "/_matrix/client/v1/register/m.login.registration_token/validity";
    private const string Token = "let-me-in_42";
    private Homeserver _server = null!;
    private MatrixTestClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _server = await Homeserver.StartAsync(new Dictionary<string, string> { ["Cluster:Registration:Token"] = Token });
        _client = _server.NewClient();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Challenge_offers_only_the_token_flow()
    {
        var response = await _client.PostAsync(Register, new JsonObject { ["username"] = "tok-challenge" });

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.Object["flows"]!.ToJsonString(), Is.EqualTo("""[{"stages":["m.login.registration_token"]}]"""));
    }

    [Test]
    public async Task Register_with_the_token_succeeds()
    {
        var challenge = await _client.PostAsync(Register, new JsonObject { ["username"] = "tok-ok" });

        var response = await _client.PostAsync(Register, new JsonObject
        {
            ["username"] = "tok-ok",
            ["auth"] = new JsonObject
            {
                ["type"] = "m.login.registration_token", ["token"] = Token,
                ["session"] = challenge.Object["session"]!.GetValue<string>(),
            },
        });

        Assert.That(response.Ok()["user_id"]!.GetValue<string>(), Is.EqualTo($"@tok-ok:{_server.ServerName}"));
    }

    [Test]
    public async Task Register_with_a_wrong_token_is_401_M_FORBIDDEN()
    {
        var response = await _client.PostAsync(Register, new JsonObject
        {
            ["username"] = "tok-wrong", ["auth"] = new JsonObject { ["type"] = "m.login.registration_token", ["token"] = "guess" },
        });

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [Test]
    public async Task Dummy_auth_alone_is_not_enough()
    {
        var response = await _client.PostAsync(Register, new JsonObject
        {
            ["username"] = "tok-dummy", ["auth"] = new JsonObject { ["type"] = "m.login.dummy" },
        });

        response.Expect(HttpStatusCode.Unauthorized);
        (await _client.GetAsync("/_matrix/client/v3/register/available?username=tok-dummy")).Ok();
    }

    [Test]
    public async Task Validity_of_the_token_is_true()
    {
        var response = (await _client.GetAsync($"{Validity}?token={Token}")).Ok();

        Assert.That(response["valid"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task Validity_of_another_token_is_false()
    {
        var response = (await _client.GetAsync($"{Validity}?token=other")).Ok();

        Assert.That(response["valid"]!.GetValue<bool>(), Is.False);
    }

    [Test]
    public async Task Validity_without_token_is_400_M_MISSING_PARAM()
    {
        var response = await _client.GetAsync(Validity);

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_PARAM"));
    }

    [Test]
    public async Task Validity_is_not_served_under_v3()
    {
        var response = await _client.GetAsync($"/_matrix/client/v3/register/m.login.registration_token/validity?token={Token}");

        response.Expect(HttpStatusCode.NotFound);
        Assert.That(response.ErrCode, Is.EqualTo("M_UNRECOGNIZED"));
    }
}
