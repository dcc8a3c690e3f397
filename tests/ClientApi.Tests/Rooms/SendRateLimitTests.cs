using System.Net;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>Sending events is limited per user (the Message rate limit).</summary>
public class SendRateLimitTests
{
    private Homeserver _server = null!;

    [OneTimeSetUp]
    public async Task Start() =>
        _server = await Homeserver.StartAsync(new Dictionary<string, string>
        {
            ["Cluster:RateLimits:Message:Burst"] = "3",
            ["Cluster:RateLimits:Message:PerSecond"] = "0.01",
        });

    [OneTimeTearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public async Task Sending_past_the_burst_is_429_M_LIMIT_EXCEEDED_with_retry_after()
    {
        var alice = await _server.RegisterUserAsync();
        var room = await alice.CreateRoomAsync();
        for (var i = 0; i < 3; i++)
            (await alice.SendAsync(room, $"m{i}")).Ok();
        var limited = await alice.SendAsync(room, "one too many");
        limited.ExpectError(HttpStatusCode.TooManyRequests, "M_LIMIT_EXCEEDED");
        Assert.That(limited.Object["retry_after_ms"]!.GetValue<long>(), Is.GreaterThan(0));
    }

    [Test]
    public async Task The_limit_is_per_user()
    {
        var alice = await _server.RegisterUserAsync();
        var bob = await _server.RegisterUserAsync();
        var room = await alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        for (var i = 0; i < 3; i++)
            (await alice.SendAsync(room, $"a{i}")).Ok();
        (await bob.SendAsync(room, "bob is fine")).Ok();
    }
}
