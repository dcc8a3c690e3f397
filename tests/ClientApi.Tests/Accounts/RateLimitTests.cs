using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>Login and registration are rate limited per client address (limits lowered for the test).</summary>
public class RateLimitTests
{
    private Homeserver _server = null!;

    [OneTimeSetUp]
    public async Task Start() =>
        _server = await Homeserver.StartAsync(new Dictionary<string, string>
        {
            ["Cluster:RateLimits:Login:Burst"] = "5",
            ["Cluster:RateLimits:Login:PerSecond"] = "0.01",
            ["Cluster:RateLimits:Registration:Burst"] = "5",
            ["Cluster:RateLimits:Registration:PerSecond"] = "0.01",
        });

    [OneTimeTearDown]
    public async Task Stop() => await _server.DisposeAsync();

    private static async Task<MatrixResponse> FirstRefusalAsync(Func<Task<MatrixResponse>> send, int attempts)
    {
        for (var i = 0; i < attempts; i++)
        {
            var response = await send();
            if (response.Status == HttpStatusCode.TooManyRequests)
                return response;
        }
        Assert.Fail($"No 429 after {attempts} attempts");
        return null!;
    }

    [Test]
    public async Task Brute_force_login_is_429_M_LIMIT_EXCEEDED_with_retry_after()
    {
        using var client = _server.NewClient();
        var guesses = 0;

        var refusal = await FirstRefusalAsync(() => client.PostAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password", ["user"] = "victim", ["password"] = $"guess-{guesses++}",
        }), attempts: 20);

        Assert.That(refusal.ErrCode, Is.EqualTo("M_LIMIT_EXCEEDED"));
        Assert.That(refusal.Object["retry_after_ms"]!.GetValue<long>(), Is.GreaterThan(0));
        Assert.That(guesses, Is.LessThanOrEqualTo(6));
    }

    [Test]
    public async Task Registration_flood_is_429_M_LIMIT_EXCEEDED()
    {
        using var client = _server.NewClient();
        var n = 0;

        var refusal = await FirstRefusalAsync(() => client.PostAsync("/_matrix/client/v3/register", new JsonObject
        {
            ["username"] = $"flood-{n++}", ["auth"] = new JsonObject { ["type"] = "m.login.dummy" },
        }), attempts: 20);

        Assert.That(refusal.ErrCode, Is.EqualTo("M_LIMIT_EXCEEDED"));
        Assert.That(n, Is.LessThanOrEqualTo(6));
    }

    [Test]
    public async Task Unlimited_endpoints_are_not_affected()
    {
        using var client = _server.NewClient();

        for (var i = 0; i < 20; i++)
            (await client.GetAsync("/_matrix/client/v3/login")).Ok();
    }
}

/// <summary>Password stages of user-interactive auth count against the account's login limit.</summary>
public class ReauthenticationRateLimitTests
{
    private Homeserver _server = null!;

    [OneTimeSetUp]
    public async Task Start() =>
        _server = await Homeserver.StartAsync(new Dictionary<string, string>
        {
            ["Cluster:RateLimits:Login:Burst"] = "3",
            ["Cluster:RateLimits:Login:PerSecond"] = "0.01",
        });

    [OneTimeTearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public async Task Guessing_the_password_through_device_deletion_is_429_M_LIMIT_EXCEEDED()
    {
        var user = await _server.RegisterUserAsync();
        var statuses = new List<HttpStatusCode>();

        for (var i = 0; i < 6; i++)
        {
            var response = await PasswordAuth.SendAsync(user, HttpMethod.Delete, $"/_matrix/client/v3/devices/{user.DeviceId}",
                new JsonObject(), password: $"guess-{i}");
            statuses.Add(response.Status);
            if (response.Status == HttpStatusCode.TooManyRequests)
                Assert.That(response.ErrCode, Is.EqualTo("M_LIMIT_EXCEEDED"));
        }

        Assert.That(statuses.Take(3), Is.All.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(statuses.Skip(3), Is.All.EqualTo(HttpStatusCode.TooManyRequests));
    }
}
