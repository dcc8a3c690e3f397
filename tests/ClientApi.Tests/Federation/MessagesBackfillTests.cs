using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;
using Cluster.Shared.Storage.Events;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// A user of B joins a room of A that already has history; paging back past the join on B
/// (<c>/messages?dir=b</c>) makes B backfill the earlier events from A, checked, stored as outliers
/// and served with history visibility applied.
/// </summary>
public class MessagesBackfillTests : TwoServerFixture
{

    /// <summary>A room on A with <paramref name="messages"/> sent by its creator, then joined by a user of B.</summary>
    private async Task<(TestUser Bob, string RoomId, List<string> Earlier)> RoomWithHistoryJoinedFromBAsync(string historyVisibility, int messages)
    {
        var alice = await A.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject
        {
            ["preset"] = "public_chat",
            ["initial_state"] = new JsonArray(new JsonObject
            {
                ["type"] = "m.room.history_visibility", ["state_key"] = "",
                ["content"] = new JsonObject { ["history_visibility"] = historyVisibility },
            }),
        });
        var earlier = new List<string>();
        for (var i = 0; i < messages; i++)
            earlier.Add(await alice.SendMessageAsync(roomId, $"before the join {i}"));
        var bob = await B.RegisterUserAsync();
        (await bob.Client.PostAsync($"/_matrix/client/v3/join/{RoomTestHelpers.Path(roomId)}?server_name={Uri.EscapeDataString(A.ServerName)}",
            new JsonObject())).Ok();
        return (bob, roomId, earlier);
    }

    /// <summary>Every event ID /messages gives, paging backwards from the end until it has no <c>end</c>.</summary>
    private static async Task<List<string>> PageBackAsync(TestUser user, string roomId, int limit)
    {
        var ids = new List<string>();
        string? from = null;
        for (var pages = 0; pages < 50; pages++)
        {
            var path = $"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/messages?dir=b&limit={limit}" +
                       (from is null ? "" : $"&from={Uri.EscapeDataString(from)}");
            var page = (await user.Client.GetAsync(path)).Ok();
            ids.AddRange(page["chunk"]!.AsArray().Select(e => e!["event_id"].Str()));
            if (page["end"] is null)
                return ids;
            from = page["end"].Str();
        }
        Assert.Fail("/messages did not come to an end within 50 pages");
        return ids;
    }

    [Test]
    public async Task Paging_back_past_the_join_serves_the_earlier_messages_from_the_rooms_server()
    {
        var (bob, roomId, earlier) = await RoomWithHistoryJoinedFromBAsync("shared", 5);
        var ids = await PageBackAsync(bob, roomId, 10);
        Assert.That(ids, Is.SupersetOf(earlier));
    }

    [Test]
    public async Task Backfilled_messages_come_in_history_order_after_the_join()
    {
        var (bob, roomId, earlier) = await RoomWithHistoryJoinedFromBAsync("shared", 4);
        var ids = await PageBackAsync(bob, roomId, 3);
        var positions = earlier.Select(id => ids.IndexOf(id)).ToList();
        Assert.That(positions, Has.None.EqualTo(-1), "a message before the join is missing");
        // Backwards: the newest first.
        Assert.That(positions, Is.Ordered.Descending);
    }

    [Test]
    public async Task Earlier_messages_of_a_room_with_joined_visibility_are_fetched_but_not_shown()
    {
        var (bob, roomId, earlier) = await RoomWithHistoryJoinedFromBAsync("joined", 3);
        var ids = await PageBackAsync(bob, roomId, 10);
        Assert.That(ids.Intersect(earlier), Is.Empty);
        var stored = await B.Service<EventStore>().GetEventsAsync(earlier, CancellationToken.None);
        Assert.That(stored.Keys, Is.EquivalentTo(earlier), "B did not backfill the earlier messages at all");
    }

    [Test]
    public async Task Backfilled_events_are_outliers_that_sync_does_not_deliver()
    {
        var (bob, roomId, earlier) = await RoomWithHistoryJoinedFromBAsync("shared", 2);
        var since = (await bob.SyncAsync()).NextBatch();
        await PageBackAsync(bob, roomId, 10);
        var stored = await B.Service<EventStore>().GetEventsAsync(earlier, CancellationToken.None);
        Assert.That(stored.Values.Select(e => e.Outlier), Is.EqualTo(new[] { true, true }));
        var sync = await bob.SyncAsync(since);
        var timeline = sync.JoinedRoom(roomId)?.Timeline().Select(e => e["event_id"].Str()) ?? [];
        Assert.That(timeline.Intersect(earlier), Is.Empty);
    }

    [Test]
    public async Task When_the_rooms_server_is_gone_the_history_ends_at_the_join()
    {
        var c = await FederatedServers.StartAsync();
        string roomId;
        TestUser bob;
        try
        {
            var carol = await c.RegisterUserAsync();
            roomId = await carol.CreatePublicRoomAsync();
            await carol.SendMessageAsync(roomId, "before the join");
            bob = await B.RegisterUserAsync();
            (await bob.Client.PostAsync($"/_matrix/client/v3/join/{RoomTestHelpers.Path(roomId)}?server_name={Uri.EscapeDataString(c.ServerName)}",
                new JsonObject())).Ok();
        }
        finally
        {
            await c.DisposeAsync();
        }
        var page = (await bob.Client.GetAsync($"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/messages?dir=b&limit=10")).Ok();
        Assert.Multiple(() =>
        {
            Assert.That(page["chunk"]!.AsArray().Select(e => e!["type"].Str()), Does.Contain("m.room.member"));
            Assert.That(page["end"], Is.Null, "the history goes on although nothing more could be fetched");
        });
    }

    [Test]
    public async Task A_room_known_only_here_ends_at_its_first_event_without_asking_anyone()
    {
        var carol = await B.RegisterUserAsync();
        var roomId = await carol.CreatePublicRoomAsync();
        var ids = await PageBackAsync(carol, roomId, 100);
        Assert.That(ids, Is.Not.Empty);
        var first = (await B.Service<EventStore>().GetEventsAsync([ids[^1]], CancellationToken.None))[ids[^1]];
        Assert.That(first.Type, Is.EqualTo("m.room.create"));
    }
}
