using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>POST /logout and /logout/all: the tokens stop working at once.</summary>
public class SessionTests : HomeserverFixture
{
    private const string WhoAmI = "/_matrix/client/v3/account/whoami";

    private async Task<MatrixTestClient> LoginAsync(TestUser user)
    {
        using var anonymous = Server.NewClient();
        var response = (await anonymous.PostAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user.UserId },
            ["password"] = user.Password,
        })).Ok();
        return Server.NewClient(response["access_token"]!.GetValue<string>());
    }

    private static async Task AssertTokenRevoked(MatrixTestClient client)
    {
        var response = await client.GetAsync(WhoAmI);
        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN_TOKEN"));
        Assert.That(response.Object["soft_logout"]!.GetValue<bool>(), Is.False);
    }

    [Test]
    public async Task Logout_revokes_the_token_immediately()
    {
        var user = await Server.RegisterUserAsync();

        (await user.Client.PostAsync("/_matrix/client/v3/logout", new JsonObject())).Ok();

        await AssertTokenRevoked(user.Client);
    }

    [Test]
    public async Task Logout_accepts_an_empty_body()
    {
        var user = await Server.RegisterUserAsync();

        var response = await user.Client.SendRawAsync(HttpMethod.Post, "/_matrix/client/v3/logout", null);

        response.Expect(HttpStatusCode.OK);
    }

    [Test]
    public async Task Logout_deletes_the_device_but_keeps_other_sessions()
    {
        var user = await Server.RegisterUserAsync();
        using var second = await LoginAsync(user);

        (await user.Client.PostAsync("/_matrix/client/v3/logout", new JsonObject())).Ok();

        var devices = (await second.GetAsync("/_matrix/client/v3/devices")).Ok()["devices"]!.AsArray();
        Assert.That(devices.Select(d => d!["device_id"]!.GetValue<string>()), Does.Not.Contain(user.DeviceId));
        (await second.GetAsync(WhoAmI)).Ok();
    }

    [Test]
    public async Task Logout_all_revokes_every_token_of_the_user()
    {
        var user = await Server.RegisterUserAsync();
        using var second = await LoginAsync(user);

        (await user.Client.PostAsync("/_matrix/client/v3/logout/all", new JsonObject())).Ok();

        await AssertTokenRevoked(user.Client);
        await AssertTokenRevoked(second);
    }

    [Test]
    public async Task Logout_all_leaves_other_users_logged_in()
    {
        var user = await Server.RegisterUserAsync();
        var other = await Server.RegisterUserAsync();

        (await user.Client.PostAsync("/_matrix/client/v3/logout/all", new JsonObject())).Ok();

        (await other.Client.GetAsync(WhoAmI)).Ok();
    }

    [Test]
    public async Task Logout_without_token_is_401_M_MISSING_TOKEN()
    {
        using var client = Server.NewClient();

        var response = await client.PostAsync("/_matrix/client/v3/logout", new JsonObject());

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_TOKEN"));
    }
}
