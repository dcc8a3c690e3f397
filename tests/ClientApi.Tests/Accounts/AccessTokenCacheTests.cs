using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>
/// Access tokens are kept in memory once checked: a token every revocation path revoked is
/// refused at once even though it was cached a moment before.
/// </summary>
public class AccessTokenCacheTests : RoundTripCountingFixture
{
    private const string WhoAmI = "/_matrix/client/v3/account/whoami";

    internal static async Task<MatrixTestClient> LoginAsync(MatrixTestClient anonymous, TestUser user, Func<string, MatrixTestClient> client)
    {
        var response = (await anonymous.PostAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user.UserId },
            ["password"] = user.Password,
        })).Ok();
        return client(response["access_token"]!.GetValue<string>());
    }

    private async Task<MatrixTestClient> SecondDeviceAsync(TestUser user)
    {
        using var anonymous = Server.NewClient();
        var second = await LoginAsync(anonymous, user, token => Server.NewClient(token));
        (await second.GetAsync(WhoAmI)).Ok();
        return second;
    }

    internal static async Task AssertUnknownTokenAsync(MatrixTestClient client)
    {
        var response = await client.GetAsync(WhoAmI);
        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN_TOKEN"));
    }

    [Test]
    public async Task A_token_checked_once_is_checked_again_without_a_round_trip()
    {
        var user = await Server.RegisterUserAsync();
        (await user.Client.GetAsync(WhoAmI)).Ok();
        var tag = Guid.NewGuid().ToString("N");
        user.Client.Http.DefaultRequestHeaders.Add(DatabaseRoundTrips.Header, tag);

        var whoami = (await user.Client.GetAsync(WhoAmI)).Ok();

        Assert.That(whoami["user_id"]!.GetValue<string>(), Is.EqualTo(user.UserId));
        Assert.That(RoundTrips.Of(tag), Is.Empty);
    }

    [Test]
    public async Task A_cached_token_is_401_M_UNKNOWN_TOKEN_right_after_logout()
    {
        var user = await Server.RegisterUserAsync();
        (await user.Client.GetAsync(WhoAmI)).Ok();

        (await user.Client.PostAsync("/_matrix/client/v3/logout", new JsonObject())).Ok();

        await AssertUnknownTokenAsync(user.Client);
    }

    [Test]
    public async Task Logout_leaves_the_users_other_cached_tokens_working()
    {
        var user = await Server.RegisterUserAsync();
        using var second = await SecondDeviceAsync(user);

        (await user.Client.PostAsync("/_matrix/client/v3/logout", new JsonObject())).Ok();

        (await second.GetAsync(WhoAmI)).Ok();
    }

    [Test]
    public async Task Logout_all_makes_every_cached_token_of_the_user_401()
    {
        var user = await Server.RegisterUserAsync();
        using var second = await SecondDeviceAsync(user);

        (await user.Client.PostAsync("/_matrix/client/v3/logout/all", new JsonObject())).Ok();

        await AssertUnknownTokenAsync(user.Client);
        await AssertUnknownTokenAsync(second);
    }

    [Test]
    public async Task Deleting_a_device_makes_its_cached_token_401()
    {
        var user = await Server.RegisterUserAsync();
        using var second = await SecondDeviceAsync(user);
        var secondId = (await second.GetAsync(WhoAmI)).Ok()["device_id"]!.GetValue<string>();

        (await PasswordAuth.SendAsync(user, HttpMethod.Delete, $"/_matrix/client/v3/devices/{secondId}", new JsonObject())).Ok();

        await AssertUnknownTokenAsync(second);
        (await user.Client.GetAsync(WhoAmI)).Ok();
    }

    [Test]
    public async Task A_password_change_makes_the_other_devices_cached_tokens_401()
    {
        var user = await Server.RegisterUserAsync();
        using var second = await SecondDeviceAsync(user);

        (await PasswordAuth.SendAsync(user, HttpMethod.Post, "/_matrix/client/v3/account/password",
            new JsonObject { ["new_password"] = "changed-" + Guid.NewGuid().ToString("N") })).Ok();

        await AssertUnknownTokenAsync(second);
        (await user.Client.GetAsync(WhoAmI)).Ok();
    }

    [Test]
    public async Task Deactivation_makes_every_cached_token_of_the_user_401()
    {
        var user = await Server.RegisterUserAsync();
        using var second = await SecondDeviceAsync(user);

        (await PasswordAuth.SendAsync(user, HttpMethod.Post, "/_matrix/client/v3/account/deactivate", new JsonObject())).Ok();

        await AssertUnknownTokenAsync(user.Client);
        await AssertUnknownTokenAsync(second);
    }

    [Test]
    public async Task A_made_up_token_is_401_M_UNKNOWN_TOKEN_every_time()
    {
        using var client = Server.NewClient("ct_" + Guid.NewGuid().ToString("N"));

        await AssertUnknownTokenAsync(client);
        await AssertUnknownTokenAsync(client);
    }
}

/// <summary>In a worker cluster a token revoked on one process stops working on the others within the replication lag.</summary>
public class AccessTokenCacheClusterTests
{
    private TestCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task Start() => _cluster = await TestCluster.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _cluster.DisposeAsync();

    [Test]
    public async Task A_token_logged_out_on_one_process_is_refused_by_another_that_had_it_cached()
    {
        using var anonymous = _cluster.NewClient("worker-a");
        var user = await RegisterAsync(anonymous);
        using var onA = _cluster.NewClient("worker-a", user.Token);
        using var onB = _cluster.NewClient("worker-b", user.Token);
        (await onB.GetAsync("/_matrix/client/v3/account/whoami")).Ok();

        (await onA.PostAsync("/_matrix/client/v3/logout", new JsonObject())).Ok();

        await AccessTokenCacheTests.AssertUnknownTokenAsync(onA);
        // The other process hears of it through the cache invalidation stream: milliseconds.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        MatrixResponse response;
        do
        {
            response = await onB.GetAsync("/_matrix/client/v3/account/whoami");
            if (response.Status == HttpStatusCode.Unauthorized)
                break;
            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);
        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN_TOKEN"));
    }

    private static async Task<(string UserId, string Token)> RegisterAsync(MatrixTestClient anonymous)
    {
        var body = new JsonObject { ["username"] = "u" + Guid.NewGuid().ToString("N")[..12], ["password"] = "pw-" + Guid.NewGuid().ToString("N") };
        var challenge = await anonymous.PostAsync("/_matrix/client/v3/register", body);
        challenge.Expect(HttpStatusCode.Unauthorized);
        body["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = challenge.Object["session"]!.GetValue<string>() };
        var registered = (await anonymous.PostAsync("/_matrix/client/v3/register", body)).Ok();
        return (registered["user_id"]!.GetValue<string>(), registered["access_token"]!.GetValue<string>());
    }
}
