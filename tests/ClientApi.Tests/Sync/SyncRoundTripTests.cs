using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;

namespace Cluster.ClientApi.Tests.Sync;

/// <summary>
/// What an incremental /sync costs in PostgreSQL round trips: each message wakes the sync of
/// every member of its room, so these are the server's hot path.
/// </summary>
public class SyncRoundTripTests
{
    private readonly DatabaseRoundTrips _roundTrips = new();
    private Homeserver _server = null!;

    [OneTimeSetUp]
    public async Task Start() => _server = await Homeserver.StartAsync(services: _roundTrips.AddTo);

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _server.DisposeAsync();
        _roundTrips.Dispose();
    }

    private async Task<(JsonObject Body, IReadOnlyList<string> Statements)> CountedSyncAsync(TestUser user, string since, int timeoutMs = 0)
    {
        var tag = Guid.NewGuid().ToString("N");
        user.Client.Http.DefaultRequestHeaders.Add(DatabaseRoundTrips.Header, tag);
        try
        {
            var body = await user.SyncAsync(since, timeoutMs);
            var statements = _roundTrips.Of(tag);
            TestContext.Out.WriteLine($"{statements.Count} round trips:");
            foreach (var statement in statements)
                TestContext.Out.WriteLine("  " + statement);
            return (body, statements);
        }
        finally
        {
            user.Client.Http.DefaultRequestHeaders.Remove(DatabaseRoundTrips.Header);
        }
    }

    // The sender's own sync returning the message means the process has applied it, so the
    // counted sync below builds once instead of waiting for it.
    private static async Task SendAndSeeAsync(TestUser sender, string roomId, string since, string body)
    {
        await sender.SendMessageAsync(roomId, body);
        var seen = await sender.SyncAsync(since, timeoutMs: 10_000);
        Assert.That(seen.JoinedRoom(roomId)?.TimelineBodies(), Does.Contain(body));
    }

    private async Task<(TestUser Alice, TestUser Bob, string RoomId)> TwoUsersInARoomAsync()
    {
        var alice = await _server.RegisterUserAsync();
        var bob = await _server.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(roomId)).Ok();
        return (alice, bob, roomId);
    }

    [Test]
    public async Task An_incremental_sync_after_one_message_from_another_user_makes_few_round_trips()
    {
        var (alice, bob, roomId) = await TwoUsersInARoomAsync();
        var aliceToken = (await alice.SyncAsync()).NextBatch();
        var bobToken = (await bob.SyncAsync()).NextBatch();
        // Settle: the first incremental sync of a device may acknowledge its to-device position.
        bobToken = (await bob.SyncAsync(bobToken)).NextBatch();

        await SendAndSeeAsync(alice, roomId, aliceToken, "one message");
        var (body, statements) = await CountedSyncAsync(bob, bobToken);

        Assert.That(body.JoinedRoom(roomId)!.TimelineBodies(), Is.EqualTo(new[] { "one message" }));
        Assert.That(statements, Has.Count.LessThanOrEqualTo(100));
    }

    [Test]
    public async Task An_incremental_sync_with_nothing_new_makes_few_round_trips()
    {
        var (_, bob, _) = await TwoUsersInARoomAsync();
        var bobToken = (await bob.SyncAsync()).NextBatch();
        bobToken = (await bob.SyncAsync(bobToken)).NextBatch();

        var (body, statements) = await CountedSyncAsync(bob, bobToken);

        Assert.That(body["rooms"]!.AsObject(), Is.Empty);
        Assert.That(statements, Has.Count.LessThanOrEqualTo(100));
    }
}
