using Cluster.Replication.Tokens;

namespace Cluster.Replication.Streams.Typing;

/// <summary>
/// Who is typing where, as this process has followed the typing stream: per room, per user, the
/// row with the highest position (positions come from one sequence, so that is the latest
/// request whichever writer took it; rows applied late or twice change nothing). Fed by the
/// stream follower and, at start, by the recent rows in PostgreSQL.
/// </summary>
public sealed class TypingState(TimeProvider time) : IStreamConsumer<TypingRow>
{
    /// <summary>
    /// A start whose writer never wrote the stop (it died) stops counting this long after its
    /// expiry; writers normally write the stop on time.
    /// </summary>
    public static readonly TimeSpan ExpiryGrace = TimeSpan.FromSeconds(30);

    /// <summary>How long a room without typing is remembered, so that syncs still learn of the last stop.</summary>
    public static readonly TimeSpan Memory = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Room> _rooms = new(StringComparer.Ordinal);

    // Rows dropped from memory (or never loaded): a token that does not cover them may have
    // missed a change this state can no longer name, so every room counts as changed for it.
    private StreamPositionVector _forgotten = StreamPositionVector.Zero;
    private long _lastPruneMs;

    /// <summary>The latest row for one user in one room.</summary>
    public readonly record struct Entry(bool Typing, long ExpiresAtMs, int WriterId, long Position);

    public ValueTask ApplyAsync(StreamBatch<TypingRow> batch, CancellationToken cancellationToken)
    {
        Apply(batch.Rows);
        return ValueTask.CompletedTask;
    }

    public void Apply(IEnumerable<StreamRow<TypingRow>> rows)
    {
        var now = NowMs;
        lock (_lock)
        {
            foreach (var row in rows)
                ApplyLocked(row, now);
            if (now - _lastPruneMs >= PruneInterval.TotalMilliseconds)
            {
                _lastPruneMs = now;
                PruneLocked(now);
            }
        }
    }

    /// <summary>Tokens that do not cover <paramref name="positions"/> are told about every room (rows below were never loaded).</summary>
    public void MarkForgotten(StreamPositionVector positions)
    {
        lock (_lock)
            _forgotten = StreamPositionVector.Max(_forgotten, positions);
    }

    /// <summary>The users typing in the room now, sorted.</summary>
    public IReadOnlyList<string> TypingUsers(string roomId)
    {
        var now = NowMs;
        lock (_lock)
        {
            if (!_rooms.TryGetValue(roomId, out var room))
                return [];
            var users = new List<string>();
            foreach (var (user, entry) in room.Users)
                if (IsTyping(entry, now))
                    users.Add(user);
            users.Sort(StringComparer.Ordinal);
            return users;
        }
    }

    /// <summary>The latest row for the user in the room, if this state still holds one.</summary>
    public Entry? Latest(string roomId, string userId)
    {
        lock (_lock)
            return _rooms.TryGetValue(roomId, out var room) && room.Users.TryGetValue(userId, out var entry) ? entry : null;
    }

    /// <summary>
    /// Those of <paramref name="roomIds"/> whose typing set changed after <paramref name="since"/>
    /// (a row not covered by it started or stopped someone's typing), or may have.
    /// </summary>
    public IReadOnlyList<string> RoomsChangedSince(StreamPositionVector since, IEnumerable<string> roomIds)
    {
        var changed = new List<string>();
        lock (_lock)
        {
            var all = !_forgotten.IsBeforeOrEqual(since);
            foreach (var roomId in roomIds)
                if (all || (_rooms.TryGetValue(roomId, out var room) && !room.Changes.IsBeforeOrEqual(since)))
                    changed.Add(roomId);
        }
        return changed;
    }

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static bool IsTyping(Entry entry, long now) => entry.Typing && entry.ExpiresAtMs + (long)ExpiryGrace.TotalMilliseconds > now;

    private void ApplyLocked(StreamRow<TypingRow> row, long now)
    {
        var data = row.Data;
        if (!_rooms.TryGetValue(data.RoomId, out var room))
            _rooms[data.RoomId] = room = new Room();
        var had = room.Users.TryGetValue(data.UserId, out var previous);
        if (had && previous.Position >= row.Position)
            return;
        room.Users[data.UserId] = new Entry(data.Typing, data.ExpiresAtMs, row.WriterId, row.Position);
        room.LastActivityMs = now;
        // A refresh of someone already typing leaves the set as it was: no change to report.
        if ((had && previous.Typing) != data.Typing)
            room.Changes = room.Changes.WithAdvanced(row.WriterId, row.Position);
    }

    private void PruneLocked(long now)
    {
        var memory = (long)Memory.TotalMilliseconds;
        List<string>? emptyRooms = null;
        foreach (var (roomId, room) in _rooms)
        {
            List<string>? stale = null;
            foreach (var (user, entry) in room.Users)
            {
                // Stops, and starts long expired, are kept for a while so late rows stay ordered.
                if (entry.ExpiresAtMs + memory < now)
                    (stale ??= []).Add(user);
            }
            foreach (var user in stale ?? [])
            {
                var entry = room.Users[user];
                room.Users.Remove(user);
                _forgotten = _forgotten.WithAdvanced(entry.WriterId, entry.Position);
            }
            if (room.Users.Count == 0 && room.LastActivityMs + memory < now)
                (emptyRooms ??= []).Add(roomId);
        }
        foreach (var roomId in emptyRooms ?? [])
        {
            _forgotten = StreamPositionVector.Max(_forgotten, _rooms[roomId].Changes);
            _rooms.Remove(roomId);
        }
    }

    private sealed class Room
    {
        public Dictionary<string, Entry> Users { get; } = new(StringComparer.Ordinal);

        /// <summary>Per writer, the highest position of a row that changed this room's typing set.</summary>
        public StreamPositionVector Changes { get; set; } = StreamPositionVector.Zero;

        public long LastActivityMs { get; set; }
    }
}
