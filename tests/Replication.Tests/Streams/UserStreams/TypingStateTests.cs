using Cluster.Replication.Streams;
using Cluster.Replication.Streams.Typing;
using Cluster.Replication.Tokens;

namespace Cluster.Replication.Tests.Streams.UserStreams;

/// <summary>The typing sets readers keep in memory.</summary>
public class TypingStateTests
{
    private const string Room = "!room:x";
    private const string OtherRoom = "!other:x";
    private const string Alice = "@alice:x";
    private const string Bob = "@bob:x";

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly ManualClock _clock = new();

    private long InMs(double seconds) => _clock.Now.AddSeconds(seconds).ToUnixTimeMilliseconds();

    private StreamRow<TypingRow> Start(long position, string user, int writer = 1, string room = Room, double forSeconds = 30) =>
        new(position, writer, new TypingRow(room, user, true, InMs(forSeconds)));

    private StreamRow<TypingRow> Stop(long position, string user, int writer = 1, string room = Room) =>
        new(position, writer, new TypingRow(room, user, false, InMs(0)));

    [Test]
    public void Starts_and_stops_build_the_set()
    {
        var state = new TypingState(_clock);

        state.Apply([Start(1, Alice), Start(2, Bob), Stop(3, Alice)]);

        Assert.That(state.TypingUsers(Room), Is.EqualTo(new[] { Bob }));
    }

    [Test]
    public void An_older_row_arriving_late_changes_nothing()
    {
        var state = new TypingState(_clock);
        state.Apply([Stop(5, Alice, writer: 2)]);

        state.Apply([Start(4, Alice, writer: 1)]);

        Assert.That(state.TypingUsers(Room), Is.Empty);
    }

    [Test]
    public void The_same_row_twice_is_applied_once()
    {
        var state = new TypingState(_clock);
        state.Apply([Start(1, Alice)]);
        var after = StreamPositionVector.At(1);

        state.Apply([Start(1, Alice)]);

        Assert.That(state.RoomsChangedSince(after, [Room]), Is.Empty);
    }

    [Test]
    public void A_refresh_of_someone_already_typing_is_not_a_change()
    {
        var state = new TypingState(_clock);
        state.Apply([Start(1, Alice)]);

        state.Apply([Start(2, Alice)]);

        Assert.That(state.RoomsChangedSince(StreamPositionVector.At(1), [Room]), Is.Empty);
        Assert.That(state.RoomsChangedSince(StreamPositionVector.Zero, [Room]), Is.EqualTo(new[] { Room }));
    }

    [Test]
    public void Changes_are_compared_per_writer()
    {
        var state = new TypingState(_clock);
        state.Apply([Start(10, Alice, writer: 1), Start(7, Bob, writer: 2, room: OtherRoom)]);

        // Seen writer 1 up to 10 and writer 2 only up to 5.
        var since = StreamPositionVector.Create(5, [new WriterPosition(1, 10)]);

        Assert.That(state.RoomsChangedSince(since, [Room, OtherRoom]), Is.EqualTo(new[] { OtherRoom }));
    }

    [Test]
    public void A_start_whose_stop_never_came_ends_after_the_grace_period()
    {
        var state = new TypingState(_clock);
        state.Apply([Start(1, Alice, forSeconds: 10)]);

        _clock.Now = _clock.Now.AddSeconds(10) + TypingState.ExpiryGrace - TimeSpan.FromSeconds(1);
        Assert.That(state.TypingUsers(Room), Is.EqualTo(new[] { Alice }));
        _clock.Now = _clock.Now.AddSeconds(2);
        Assert.That(state.TypingUsers(Room), Is.Empty);
    }

    [Test]
    public void Forgotten_rows_make_every_room_count_as_changed_for_older_tokens()
    {
        var state = new TypingState(_clock);
        state.Apply([Stop(3, Alice)]);
        // Long after, a new row triggers the pruning of the old room.
        _clock.Now += TypingState.Memory + TimeSpan.FromMinutes(2);
        state.Apply([Start(9, Bob, room: OtherRoom)]);

        Assert.That(state.RoomsChangedSince(StreamPositionVector.At(2), [Room]), Is.EqualTo(new[] { Room }));
        Assert.That(state.RoomsChangedSince(StreamPositionVector.At(9), [Room]), Is.Empty);
    }

    [Test]
    public void Marking_a_start_position_as_forgotten_covers_tokens_from_before_it()
    {
        var state = new TypingState(_clock);

        state.MarkForgotten(StreamPositionVector.At(20));

        Assert.That(state.RoomsChangedSince(StreamPositionVector.At(19), [Room, OtherRoom]), Is.EqualTo(new[] { Room, OtherRoom }));
        Assert.That(state.RoomsChangedSince(StreamPositionVector.At(20), [Room, OtherRoom]), Is.Empty);
    }
}
