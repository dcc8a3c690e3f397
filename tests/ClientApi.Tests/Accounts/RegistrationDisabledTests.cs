using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>The server's default: no open registration.</summary>
public class RegistrationDisabledTests
{
    private Homeserver _server = null!;

    [OneTimeSetUp]
    public async Task Start() =>
        _server = await Homeserver.StartAsync(new Dictionary<string, string> { ["Cluster:Registration:Enabled"] = "false" });

    [OneTimeTearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public async Task Register_when_disabled_is_403_M_FORBIDDEN()
    {
        using var client = _server.NewClient();

        var response = await client.PostAsync("/_matrix/client/v3/register", new JsonObject
        {
            ["username"] = "someone", ["auth"] = new JsonObject { ["type"] = "m.login.dummy" },
        });

        response.Expect(HttpStatusCode.Forbidden);
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }
}
