using Cluster.Shared.Caching;
using Npgsql;

namespace Cluster.Shared.Storage.Events;

/// <summary>Which way /messages walks a room's history.</summary>
public enum PaginationDirection
{
    /// <summary>Towards older events ("b").</summary>
    Backwards,
    /// <summary>Towards newer events ("f").</summary>
    Forwards,
}

/// <summary>A place in one room's history: just after the event at (depth, stream position).</summary>
public readonly record struct TopologicalPosition(long Depth, long Stream);

/// <summary>A room's events in stream order (ascending) and whether older ones in the range were left out.</summary>
public sealed record RoomEventsSlice(IReadOnlyList<StoredEvent> Events, bool Limited);

/// <summary>
/// Reads events: by ID, a room's events in stream order (the /sync timeline), and a room's history
/// in topological order (/messages). Timeline reads return only accepted events (never rejected,
/// soft-failed or outliers); reads by ID return whatever is stored and leave that to the caller.
/// Reads by ID first look among the events this process persisted last: every member's /sync
/// asks for a new message moments after its persister committed it.
/// </summary>
public sealed class EventStore(NpgsqlDataSource dataSource)
{
    /// <summary>Events this process persisted that reads by ID find without PostgreSQL (the newest; enough for the syncs a message wakes).</summary>
    public const int RecentCapacity = 2_048;

    private const string SelectEvents = $"SELECT {StoredEventColumns.Select} FROM {StoredEventColumns.From}";

    private readonly RecentEntries<StoredEvent> _recent = new(RecentCapacity);

    /// <summary>This process committed <paramref name="stored"/>, exactly as the events table now holds it.</summary>
    public void RememberPersisted(StoredEvent stored) => _recent.Add(stored.EventId, stored);

    /// <summary>A redaction of <paramref name="eventId"/> is being persisted: the remembered copy is no longer what the table serves.</summary>
    public void ForgetPersisted(string eventId) => _recent.Forget(eventId);

    public async Task<StoredEvent?> GetEventAsync(string eventId, CancellationToken cancellationToken)
    {
        if (_recent.TryGet(eventId, out var recent))
            return recent;
        await using var command = dataSource.CreateCommand($"{SelectEvents} WHERE e.event_id = $1");
        command.Parameters.AddWithValue(eventId);
        var events = await StoredEventColumns.ReadAllAsync(command, cancellationToken);
        return events.Count == 0 ? null : events[0];
    }

    /// <summary>Whether an accepted (not rejected) event with this ID belongs to the room: what a receipt or read marker may point at.</summary>
    public async Task<bool> IsInRoomAsync(string eventId, string roomId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM events WHERE event_id = $1 AND room_id = $2 AND rejection_reason IS NULL)");
        command.Parameters.AddWithValue(eventId);
        command.Parameters.AddWithValue(roomId);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The events among <paramref name="eventIds"/> that are stored, by ID.</summary>
    public async Task<IReadOnlyDictionary<string, StoredEvent>> GetEventsAsync(
        IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, StoredEvent>(StringComparer.Ordinal);
        List<string>? unknown = null;
        foreach (var eventId in eventIds)
        {
            if (_recent.TryGet(eventId, out var recent))
                found[eventId] = recent;
            else if (!found.ContainsKey(eventId))
                (unknown ??= []).Add(eventId);
        }
        if (unknown is null)
            return found;
        await using var command = dataSource.CreateCommand($"{SelectEvents} WHERE e.event_id = ANY($1)");
        command.Parameters.AddWithValue(unknown.Distinct(StringComparer.Ordinal).ToArray());
        foreach (var e in await StoredEventColumns.ReadAllAsync(command, cancellationToken))
            found[e.EventId] = e;
        return found;
    }

    /// <summary>
    /// The /sync timeline of one room: the newest <paramref name="limit"/> events after
    /// <paramref name="after"/> (null: from the room's start) and at or before <paramref name="upTo"/>,
    /// returned oldest first. <see cref="RoomEventsSlice.Limited"/> says whether more events lie in
    /// the range before the first one returned (the client then paginates with /messages).
    /// Served by events_room_stream (room_id, stream_ordering), read backwards from <paramref name="upTo"/>.
    /// </summary>
    public async Task<RoomEventsSlice> GetRoomEventsByStreamAsync(
        string roomId, StreamBound? after, StreamBound upTo, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var command = dataSource.CreateCommand();
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(limit + 1);
        var (joins, range) = StreamBound.RangeSql(command.Parameters, "e", after ?? StreamBound.At(0), upTo);
        command.CommandText =
            $"{SelectEvents} {joins}WHERE e.room_id = $1 AND {StoredEventColumns.InTimeline} AND {range} " +
            "ORDER BY e.stream_ordering DESC LIMIT $2";
        var events = await StoredEventColumns.ReadAllAsync(command, cancellationToken);
        var limited = events.Count > limit;
        if (limited)
            events.RemoveAt(events.Count - 1);
        events.Reverse();
        return new RoomEventsSlice(events, limited);
    }

    /// <summary>
    /// /messages: up to <paramref name="limit"/> events of the room from <paramref name="from"/> in
    /// (depth, stream position) order, in the order walked. A position sits just after its event:
    /// walking backwards includes the event at <paramref name="from"/>, walking forwards starts after it.
    /// Backfilled outliers are part of the history (<see cref="BackfilledEventStore"/>).
    /// Served by events_room_topological (room_id, topological_ordering, stream_ordering).
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> PaginateRoomEventsAsync(
        string roomId, TopologicalPosition from, PaginationDirection direction, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var (comparison, order) = direction == PaginationDirection.Backwards ? ("<=", "DESC") : (">", "ASC");
        await using var command = dataSource.CreateCommand(
            $"{SelectEvents} WHERE e.room_id = $1 AND {BackfilledEventStore.InHistory} " +
            $"AND (e.topological_ordering, e.stream_ordering) {comparison} ($2, $3) " +
            $"ORDER BY e.topological_ordering {order}, e.stream_ordering {order} LIMIT $4");
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(from.Depth);
        command.Parameters.AddWithValue(from.Stream);
        command.Parameters.AddWithValue(limit);
        return await StoredEventColumns.ReadAllAsync(command, cancellationToken);
    }

    /// <summary>
    /// The room's newest timeline event at or before <paramref name="upTo"/> (null if none): what
    /// "the room at this token" means, e.g. for <c>/members?at=</c> or to turn a live token into a
    /// topological one for /messages.
    /// </summary>
    public async Task<StoredEvent?> GetLatestRoomEventAsync(string roomId, StreamBound upTo, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.AddWithValue(roomId);
        var (joins, range) = StreamBound.RangeSql(command.Parameters, "e", null, upTo);
        command.CommandText =
            $"{SelectEvents} {joins}WHERE e.room_id = $1 AND {StoredEventColumns.InTimeline} AND {range} " +
            "ORDER BY e.stream_ordering DESC LIMIT 1";
        var events = await StoredEventColumns.ReadAllAsync(command, cancellationToken);
        return events.Count == 0 ? null : events[0];
    }
}
