using Cluster.Shared.Storage.Events;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;

namespace Cluster.ClientApi.Tests.Sync;

/// <summary>
/// What an incremental /sync costs in PostgreSQL round trips: each message wakes the sync of
/// every member of its room, so these are the server's hot path.
/// </summary>
public class SyncRoundTripTests : RoundTripCountingFixture
{
    private async Task<(JsonObject Body, IReadOnlyList<string> Statements)> CountedSyncAsync(
        TestUser user, string since, int timeoutMs = 0, string? filter = null)
    {
        var tag = Guid.NewGuid().ToString("N");
        user.Client.Http.DefaultRequestHeaders.Add(DatabaseRoundTrips.Header, tag);
        try
        {
            var body = await user.SyncAsync(since, timeoutMs, filter);
            var statements = RoundTrips.Of(tag);
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

    // Moves the account data, receipts, to-device and push rules streams with rows of users and
    // rooms that are not Bob's, as any busy server does between two of his syncs.
    private async Task OthersAreBusyAsync()
    {
        var carol = await Server.RegisterUserAsync();
        var dave = await Server.RegisterUserAsync();
        var carolsRoom = await carol.CreateRoomAsync();
        var eventId = await carol.SendMessageAsync(carolsRoom, "elsewhere");
        (await carol.Client.PutAsync($"{RoomTestHelpers.V3}/user/{Uri.EscapeDataString(carol.UserId)}/account_data/org.example.x",
            new JsonObject { ["x"] = 1 })).Ok();
        (await carol.Client.PostAsync($"{RoomTestHelpers.V3}/rooms/{RoomTestHelpers.Path(carolsRoom)}/receipt/m.read/{Uri.EscapeDataString(eventId)}",
            new JsonObject())).Ok();
        (await carol.Client.PutAsync($"{RoomTestHelpers.V3}/sendToDevice/m.test/{Guid.NewGuid():N}", new JsonObject
        {
            ["messages"] = new JsonObject { [dave.UserId] = new JsonObject { ["*"] = new JsonObject { ["n"] = 1 } } },
        })).Ok();
        (await carol.Client.PutAsync($"{RoomTestHelpers.V3}/pushrules/global/override/.m.rule.master/enabled",
            new JsonObject { ["enabled"] = false })).Ok();
    }

    [Test]
    public async Task An_incremental_sync_after_another_users_message_makes_no_round_trip_once_the_event_was_read()
    {
        var (alice, bob, roomId) = await Server.TwoUsersInARoomAsync();
        var aliceToken = (await alice.SyncAsync()).NextBatch();
        var bobToken = (await bob.SyncAsync()).NextBatch();
        // Settle: the first incremental sync of a device acknowledges its to-device position.
        bobToken = (await bob.SyncAsync(bobToken)).NextBatch();

        await SendAndSeeAsync(alice, roomId, aliceToken, "one message");
        var (body, statements) = await CountedSyncAsync(bob, bobToken);

        Assert.That(body.JoinedRoom(roomId)!.TimelineBodies(), Is.EqualTo(new[] { "one message" }));
        // The access token, the room list, the timeline and the unread count are in memory; the
        // event is read once per process, by whichever sync asks first (here Alice's).
        Assert.That(statements, Is.Empty);
    }

    [Test]
    public async Task An_incremental_sync_reads_none_of_the_streams_that_moved_only_for_others()
    {
        var (alice, bob, roomId) = await Server.TwoUsersInARoomAsync();
        var aliceToken = (await alice.SyncAsync()).NextBatch();
        var bobToken = (await bob.SyncAsync()).NextBatch();
        bobToken = (await bob.SyncAsync(bobToken)).NextBatch();

        await OthersAreBusyAsync();
        await SendAndSeeAsync(alice, roomId, aliceToken, "while others are busy");
        var (body, statements) = await CountedSyncAsync(bob, bobToken);

        Assert.That(body.JoinedRoom(roomId)!.TimelineBodies(), Is.EqualTo(new[] { "while others are busy" }));
        Assert.That(body["account_data"]!["events"]!.AsArray(), Is.Empty);
        Assert.That(statements, Is.Empty);
    }

    // A sync reader of a worker cluster did not persist the event: it reads it from PostgreSQL,
    // once for all the syncs that want it. Here the test makes this process forget it.
    [Test]
    public async Task The_first_sync_to_ask_for_an_event_persisted_elsewhere_reads_it_once_for_everyone()
    {
        var (alice, bob, roomId) = await Server.TwoUsersInARoomAsync();
        var carol = await Server.RegisterUserAsync();
        (await carol.JoinAsync(roomId)).Ok();
        var bobToken = (await bob.SyncAsync()).NextBatch();
        bobToken = (await bob.SyncAsync(bobToken)).NextBatch();
        var carolToken = (await carol.SyncAsync()).NextBatch();
        carolToken = (await carol.SyncAsync(carolToken)).NextBatch();

        Server.Service<EventStore>().ForgetPersisted(await alice.SendMessageAsync(roomId, "fresh"));
        var (bobs, bobStatements) = await CountedSyncAsync(bob, bobToken, timeoutMs: 10_000);
        var (carols, carolStatements) = await CountedSyncAsync(carol, carolToken, timeoutMs: 10_000);

        Assert.That(bobs.JoinedRoom(roomId)!.TimelineBodies(), Is.EqualTo(new[] { "fresh" }));
        Assert.That(carols.JoinedRoom(roomId)!.TimelineBodies(), Is.EqualTo(new[] { "fresh" }));
        Assert.That(bobStatements, Has.Count.EqualTo(1).And.All.Contains("event_id = ANY"));
        Assert.That(carolStatements, Is.Empty);
    }

    [Test]
    public async Task The_syncs_one_message_wakes_at_once_read_it_once_between_them()
    {
        var (alice, bob, roomId) = await Server.TwoUsersInARoomAsync();
        var others = new List<TestUser> { bob };
        for (var i = 0; i < 3; i++)
        {
            var member = await Server.RegisterUserAsync();
            (await member.JoinAsync(roomId)).Ok();
            others.Add(member);
        }
        var tokens = new List<string>();
        foreach (var member in others)
            tokens.Add((await member.SyncAsync((await member.SyncAsync()).NextBatch())).NextBatch());

        var polls = others.Select((member, i) => CountedSyncAsync(member, tokens[i], timeoutMs: 10_000)).ToList();
        await Task.Delay(200);
        await alice.SendMessageAsync(roomId, "to all of you");
        var results = await Task.WhenAll(polls);

        foreach (var (body, _) in results)
            Assert.That(body.JoinedRoom(roomId)!.TimelineBodies(), Is.EqualTo(new[] { "to all of you" }));
        // None in one process (the persister remembers the event), one read in a cluster's sync reader.
        Assert.That(results.SelectMany(r => r.Statements).ToList(), Has.Count.LessThanOrEqualTo(1).And.All.Contains("event_id = ANY"));
    }

    [Test]
    public async Task A_sync_in_the_process_that_persisted_the_event_reads_nothing()
    {
        var (alice, bob, roomId) = await Server.TwoUsersInARoomAsync();
        var bobToken = (await bob.SyncAsync()).NextBatch();
        bobToken = (await bob.SyncAsync(bobToken)).NextBatch();

        await alice.SendMessageAsync(roomId, "persisted here");
        var (body, statements) = await CountedSyncAsync(bob, bobToken, timeoutMs: 10_000);

        Assert.That(body.JoinedRoom(roomId)!.TimelineBodies(), Is.EqualTo(new[] { "persisted here" }));
        Assert.That(statements, Is.Empty);
    }

    [Test]
    public async Task The_senders_own_sync_in_the_persisting_process_reads_nothing()
    {
        var (alice, _, roomId) = await Server.TwoUsersInARoomAsync();
        var aliceToken = (await alice.SyncAsync()).NextBatch();
        aliceToken = (await alice.SyncAsync(aliceToken)).NextBatch();

        await alice.SendMessageAsync(roomId, "mine");
        var (body, statements) = await CountedSyncAsync(alice, aliceToken, timeoutMs: 10_000);

        var timeline = body.JoinedRoom(roomId)!.Timeline();
        Assert.That(timeline.Single()["unsigned"]?["transaction_id"], Is.Not.Null);
        // The event and its transaction ID are remembered by the persister that wrote them.
        Assert.That(statements, Is.Empty);
    }

    [Test]
    public async Task A_stored_filter_is_read_once()
    {
        var (_, bob, _) = await Server.TwoUsersInARoomAsync();
        var filterId = (await bob.Client.PostAsync($"{RoomTestHelpers.V3}/user/{Uri.EscapeDataString(bob.UserId)}/filter",
            new JsonObject { ["room"] = new JsonObject { ["timeline"] = new JsonObject { ["limit"] = 5 } } })).Ok()["filter_id"]!.GetValue<string>();
        var bobToken = (await bob.SyncAsync(filter: filterId)).NextBatch();
        bobToken = (await bob.SyncAsync(bobToken, filter: filterId)).NextBatch();

        var (_, statements) = await CountedSyncAsync(bob, bobToken, filter: filterId);

        Assert.That(statements, Is.Empty);
    }

    [Test]
    public async Task An_incremental_sync_with_nothing_new_makes_no_round_trip()
    {
        var (_, bob, _) = await Server.TwoUsersInARoomAsync();
        var bobToken = (await bob.SyncAsync()).NextBatch();
        bobToken = (await bob.SyncAsync(bobToken)).NextBatch();

        var (body, statements) = await CountedSyncAsync(bob, bobToken);

        Assert.That(body["rooms"]!.AsObject(), Is.Empty);
        Assert.That(statements, Is.Empty);
    }
}
