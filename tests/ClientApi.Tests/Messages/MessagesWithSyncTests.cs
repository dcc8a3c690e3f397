using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;

namespace Cluster.ClientApi.Tests.Messages;

/// <summary>/sync and /messages together: the tokens one mints, the other continues from.</summary>
public class MessagesWithSyncTests : HomeserverFixture
{
    private TestUser _alice = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
    }

    [Test]
    public async Task Paging_back_from_a_limited_timelines_prev_batch_returns_every_earlier_event_once()
    {
        var room = await _alice.CreateRoomAsync();
        for (var i = 0; i < 30; i++)
            await _alice.SendMessageAsync(room, $"message {i}");
        var joined = (await _alice.SyncAsync(filter: """{"room":{"timeline":{"limit":5}}}""")).JoinedRoom(room)!;
        var timeline = joined.Timeline().Select(e => e["event_id"].Str()).ToList();
        var walked = await _alice.WalkAllAsync(room, "b", 7, from: joined["timeline"]!["prev_batch"].Str());

        var all = (await Server.TimelineAsync(room)).Select(r => r.EventId).ToList();
        var upToSync = all.Take(all.IndexOf(timeline[^1]) + 1).ToList();
        Assert.That(walked.AsEnumerable().Reverse().Concat(timeline).ToList(), Is.EqualTo(upToSync));
    }

    [Test]
    public async Task Paging_forwards_from_a_sync_next_batch_returns_what_was_sent_since()
    {
        var room = await _alice.CreateRoomAsync();
        var before = await _alice.SendMessageAsync(room, "before the sync");
        var sync = await SyncUntilSeenAsync(room, before);
        var sent = new[]
        {
            await _alice.SendMessageAsync(room, "after 1"),
            await _alice.SendMessageAsync(room, "after 2"),
        };
        var body = (await _alice.MessagesAsync(room, $"dir=f&from={Uri.EscapeDataString(sync["next_batch"].Str())}")).Ok();
        Assert.That(body["chunk"].EventIds(), Is.EqualTo(sent));
    }

    /// <summary>Syncs until the timeline has delivered <paramref name="eventId"/>, so next_batch is past it.</summary>
    private async Task<System.Text.Json.Nodes.JsonObject> SyncUntilSeenAsync(string room, string eventId)
    {
        string? since = null;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var sync = await _alice.SyncAsync(since, timeoutMs: since is null ? 0 : 1000);
            if (sync.JoinedRoom(room)?.Timeline().Any(e => e["event_id"].Str() == eventId) == true)
                return sync;
            since = sync["next_batch"].Str();
        }
        Assert.Fail($"/sync never delivered {eventId}.");
        return null!;
    }
}
