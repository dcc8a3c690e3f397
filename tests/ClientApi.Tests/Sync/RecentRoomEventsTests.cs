using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Replication.Streams;
using Cluster.Replication.Streams.Events;
using Cluster.Replication.Tokens;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.SyncReader;

namespace Cluster.ClientApi.Tests.Sync;

/// <summary>
/// The sync reader's per-room log of recent events with several writers of the events stream:
/// fed by hand with batches of real events (their positions as stored), as a follower would.
/// </summary>
public class RecentRoomEventsTests : HomeserverFixture
{
    private const int OtherWriter = 99;

    private TestUser _alice = null!;
    private EventStore _events = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
        _events = Server.Service<EventStore>();
    }

    private async Task<(string Room, StoredEvent Older, StoredEvent Newer)> RoomWithTwoMessagesAsync()
    {
        var room = await _alice.CreateRoomAsync();
        var older = (await _events.GetEventAsync(await _alice.SendMessageAsync(room, "older"), CancellationToken.None))!;
        var newer = (await _events.GetEventAsync(await _alice.SendMessageAsync(room, "newer"), CancellationToken.None))!;
        return (room, older, newer);
    }

    private static StreamBatch<EventStreamRow> Batch(int writer, long from, StoredEvent e) =>
        new(EventsStream.StreamName, writer, from, e.StreamOrdering,
            [new StreamRow<EventStreamRow>(e.StreamOrdering, writer, new EventStreamRow(e.EventId, e.RoomId, e.Type, null, null))]);

    [Test]
    public async Task A_held_event_is_not_taken_for_the_newest_when_another_writer_persisted_a_newer_one_before_the_start()
    {
        var (room, older, newer) = await RoomWithTwoMessagesAsync();
        var recent = new RecentRoomEvents(_events);
        // The follower started with one writer already past the newer event (never applied
        // here), the other writer still before the older one, whose row comes afterwards.
        var start = StreamPositionVector.Create(0, [new WriterPosition(newer.InstanceId, newer.StreamOrdering)]);
        recent.Start(start);
        recent.Want(room);
        recent.Apply(Batch(OtherWriter, 0, older));

        var latest = await recent.TryGetLatestAsync(room, start.WithAdvanced(OtherWriter, older.StreamOrdering), CancellationToken.None);

        Assert.That(latest?.EventId, Is.Not.EqualTo(older.EventId), "an older event taken for the room's newest");
    }

    [Test]
    public async Task A_range_below_the_logs_floor_is_not_answered_from_memory()
    {
        var (room, older, newer) = await RoomWithTwoMessagesAsync();
        var recent = new RecentRoomEvents(_events);
        recent.Start(StreamPositionVector.Zero);
        // The newer event's row is applied before the room has a log: the log does not hold it.
        recent.Apply(Batch(newer.InstanceId, 0, newer));
        recent.Want(room);
        recent.Apply(Batch(OtherWriter, 0, older));
        var upTo = StreamPositionVector.Create(0, [new WriterPosition(newer.InstanceId, newer.StreamOrdering), new WriterPosition(OtherWriter, older.StreamOrdering)]);

        var range = await recent.TryGetRangeAsync(room, StreamPositionVector.Zero, upTo, CancellationToken.None);

        Assert.That(range, Is.Null, "a range with a row the log never held was answered from memory");
    }

    [Test]
    public async Task Rows_of_two_writers_applied_after_the_log_began_are_answered_in_stream_order()
    {
        var (room, older, newer) = await RoomWithTwoMessagesAsync();
        var recent = new RecentRoomEvents(_events);
        recent.Start(StreamPositionVector.Zero);
        recent.Want(room);
        // The newer event's writer announces first: rows of different writers arrive in any order.
        recent.Apply(Batch(newer.InstanceId, 0, newer));
        recent.Apply(Batch(OtherWriter, 0, older));
        var upTo = StreamPositionVector.Create(0, [new WriterPosition(newer.InstanceId, newer.StreamOrdering), new WriterPosition(OtherWriter, older.StreamOrdering)]);

        var range = await recent.TryGetRangeAsync(room, StreamPositionVector.Zero, upTo, CancellationToken.None);
        var afterOlder = await recent.TryGetRangeAsync(room, StreamPositionVector.Create(0, [new WriterPosition(OtherWriter, older.StreamOrdering)]), upTo, CancellationToken.None);

        Assert.That(range?.Select(e => e.EventId), Is.EqualTo(new[] { older.EventId, newer.EventId }));
        Assert.That(afterOlder?.Select(e => e.EventId), Is.EqualTo(new[] { newer.EventId }));
    }
}
