using Npgsql;

namespace Cluster.Shared.Storage.Events;

/// <summary>One entry of a room state: the event holding (type, state_key).</summary>
public readonly record struct StateEntry(string Type, string StateKey, string EventId);

/// <summary>One server's view of a room state: its history visibility (as written, null when unset) and whether any of the server's users is joined or invited.</summary>
public sealed record ServerViewOfState(string? HistoryVisibility, bool AnyJoined, bool AnyInvited)
{
    public static readonly ServerViewOfState Empty = new(null, false, false);
}

/// <summary>
/// Room state: the current state (current_state_events) and the state at any event (state groups,
/// each a full snapshot or a delta on an earlier group). State "before" an event is what it was
/// authorised against; state "after" a state event adds the event itself.
/// </summary>
public sealed class RoomStateStore(NpgsqlDataSource dataSource, EventStore events)
{
    // Walks a group's delta chain (at most delta_chain_length + 1 groups) and keeps, per key, the
    // entry of the nearest group; a NULL event_id there means the key was removed.
    private const string ChainSql =
        "WITH RECURSIVE chain(state_group, prev_state_group, distance) AS (" +
        "  SELECT state_group, prev_state_group, 0 FROM state_groups WHERE state_group = $1" +
        "  UNION ALL" +
        "  SELECT g.state_group, g.prev_state_group, c.distance + 1 FROM state_groups g JOIN chain c ON g.state_group = c.prev_state_group" +
        ") ";

    /// <summary>The room's current state as (type, state_key, event ID), in key order.</summary>
    public async Task<IReadOnlyList<StateEntry>> GetCurrentStateIdsAsync(string roomId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT type, state_key, event_id FROM current_state_events WHERE room_id = $1 ORDER BY type, state_key");
        command.Parameters.AddWithValue(roomId);
        return await ReadEntriesAsync(command, cancellationToken);
    }

    /// <summary>
    /// The current state events of the room, all of them or only those at <paramref name="keys"/>
    /// (the auth events an event needs, say). Keys the room has no state for are absent.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string Type, string StateKey), StoredEvent>> GetCurrentStateEventsAsync(
        string roomId, IReadOnlyCollection<(string Type, string StateKey)>? keys, CancellationToken cancellationToken)
    {
        await using var command = keys is null
            ? dataSource.CreateCommand(
                $"SELECT {StoredEventColumns.Select} FROM current_state_events c JOIN events e ON e.event_id = c.event_id " +
                "JOIN rooms r ON r.room_id = e.room_id WHERE c.room_id = $1")
            : dataSource.CreateCommand(
                $"SELECT {StoredEventColumns.Select} FROM unnest($2::text[], $3::text[]) AS k(type, state_key) " +
                "JOIN current_state_events c ON c.room_id = $1 AND c.type = k.type AND c.state_key = k.state_key " +
                "JOIN events e ON e.event_id = c.event_id JOIN rooms r ON r.room_id = e.room_id");
        command.Parameters.AddWithValue(roomId);
        if (keys is not null)
            AddKeys(command, keys);
        var rows = await StoredEventColumns.ReadAllAsync(command, cancellationToken);
        return rows.ToDictionary(e => (e.Type, e.StateKey!));
    }

    public async Task<StoredEvent?> GetCurrentStateEventAsync(string roomId, string type, string stateKey, CancellationToken cancellationToken)
    {
        var found = await GetCurrentStateEventsAsync(roomId, [(type, stateKey)], cancellationToken);
        return found.TryGetValue((type, stateKey), out var e) ? e : null;
    }

    /// <summary>The state group holding the state before <paramref name="eventId"/>; null for events without one (outliers, unknown).</summary>
    public async Task<long?> GetStateGroupBeforeEventAsync(string eventId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT state_group FROM event_to_state_groups WHERE event_id = $1");
        command.Parameters.AddWithValue(eventId);
        return await command.ExecuteScalarAsync(cancellationToken) as long?;
    }

    /// <summary>The state groups before each of <paramref name="eventIds"/> that has one, in one query.</summary>
    public async Task<IReadOnlyDictionary<string, long>> GetStateGroupsBeforeEventsAsync(
        IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var groups = new Dictionary<string, long>(StringComparer.Ordinal);
        if (eventIds.Count == 0)
            return groups;
        await using var command = dataSource.CreateCommand("SELECT event_id, state_group FROM event_to_state_groups WHERE event_id = ANY($1)");
        command.Parameters.AddWithValue(eventIds.Distinct(StringComparer.Ordinal).ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            groups[reader.GetString(0)] = reader.GetInt64(1);
        return groups;
    }

    /// <summary>The state a group holds, all of it or only <paramref name="keys"/>.</summary>
    public async Task<IReadOnlyDictionary<(string Type, string StateKey), string>> GetStateIdsOfGroupAsync(
        long stateGroup, IReadOnlyCollection<(string Type, string StateKey)>? keys, CancellationToken cancellationToken)
    {
        var filter = keys is null
            ? ""
            : "JOIN unnest($2::text[], $3::text[]) AS k(type, state_key) ON k.type = s.type AND k.state_key = s.state_key ";
        await using var command = dataSource.CreateCommand(
            ChainSql +
            "SELECT DISTINCT ON (s.type, s.state_key) s.type, s.state_key, s.event_id " +
            "FROM chain c JOIN state_groups_state s ON s.state_group = c.state_group " + filter +
            "ORDER BY s.type, s.state_key, c.distance");
        command.Parameters.AddWithValue(stateGroup);
        if (keys is not null)
            AddKeys(command, keys);
        var state = new Dictionary<(string Type, string StateKey), string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(2))
                state[(reader.GetString(0), reader.GetString(1))] = reader.GetString(2);
        }
        return state;
    }

    /// <summary>
    /// What each of <paramref name="stateGroups"/> says about one other server's view of the room: the
    /// history visibility, and whether any of that server's users is joined or invited (a user's
    /// server is everything after the first ':' of the user ID). Groups holding neither are absent.
    /// One query for all groups, so filtering a page of events for a server costs one round trip.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, ServerViewOfState>> GetServerViewsOfGroupsAsync(
        IReadOnlyCollection<long> stateGroups, string serverName, CancellationToken cancellationToken)
    {
        var views = new Dictionary<long, ServerViewOfState>();
        if (stateGroups.Count == 0)
            return views;
        await using var command = dataSource.CreateCommand(
            "WITH RECURSIVE chain(root, state_group, prev_state_group, distance) AS (" +
            "  SELECT state_group, state_group, prev_state_group, 0 FROM state_groups WHERE state_group = ANY($1)" +
            "  UNION ALL" +
            "  SELECT c.root, g.state_group, g.prev_state_group, c.distance + 1 FROM state_groups g JOIN chain c ON g.state_group = c.prev_state_group" +
            "), entries AS (" +
            "  SELECT DISTINCT ON (c.root, s.type, s.state_key) c.root, s.type, s.event_id" +
            "  FROM chain c JOIN state_groups_state s ON s.state_group = c.state_group" +
            "  WHERE (s.type = 'm.room.history_visibility' AND s.state_key = '')" +
            "     OR (s.type = 'm.room.member' AND substr(s.state_key, strpos(s.state_key, ':') + 1) = $2)" +
            "  ORDER BY c.root, s.type, s.state_key, c.distance" +
            ") " +
            // history_visibility survives redaction, so the stored content is right either way.
            "SELECT en.root, " +
            "  max(CASE WHEN en.type = 'm.room.history_visibility' THEN convert_from(e.json, 'UTF8')::jsonb #>> '{content,history_visibility}' END), " +
            "  COALESCE(bool_or(e.membership = 'join'), false), COALESCE(bool_or(e.membership = 'invite'), false) " +
            "FROM entries en JOIN events e ON e.event_id = en.event_id GROUP BY en.root");
        command.Parameters.AddWithValue(stateGroups.Distinct().ToArray());
        command.Parameters.AddWithValue(serverName);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            views[reader.GetInt64(0)] = new ServerViewOfState(
                reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3));
        return views;
    }

    /// <summary>The state before <paramref name="eventId"/> (what it was authorised against); null if the event has no state recorded.</summary>
    public async Task<IReadOnlyDictionary<(string Type, string StateKey), string>?> GetStateIdsBeforeEventAsync(
        string eventId, IReadOnlyCollection<(string Type, string StateKey)>? keys, CancellationToken cancellationToken)
    {
        var group = await GetStateGroupBeforeEventAsync(eventId, cancellationToken);
        return group is null ? null : await GetStateIdsOfGroupAsync(group.Value, keys, cancellationToken);
    }

    /// <summary>The state after <paramref name="evt"/>: the state before it, plus the event itself if it is accepted state.</summary>
    public async Task<IReadOnlyDictionary<(string Type, string StateKey), string>?> GetStateIdsAfterEventAsync(
        StoredEvent evt, IReadOnlyCollection<(string Type, string StateKey)>? keys, CancellationToken cancellationToken)
    {
        var before = await GetStateIdsBeforeEventAsync(evt.EventId, keys, cancellationToken);
        if (before is null)
            return null;
        if (evt.StateKey is not { } stateKey || evt.RejectionReason is not null
            || (keys is not null && !keys.Contains((evt.Type, stateKey))))
            return before;
        var after = new Dictionary<(string Type, string StateKey), string>(before) { [(evt.Type, stateKey)] = evt.EventId };
        return after;
    }

    /// <summary>The events of a state map, for serving it (events that are not stored are left out).</summary>
    public async Task<IReadOnlyList<StoredEvent>> GetStateEventsAsync(
        IReadOnlyDictionary<(string Type, string StateKey), string> state, CancellationToken cancellationToken)
    {
        var found = await events.GetEventsAsync([.. state.Values], cancellationToken);
        return [.. state.OrderBy(kv => kv.Key.Type, StringComparer.Ordinal).ThenBy(kv => kv.Key.StateKey, StringComparer.Ordinal)
            .Select(kv => found.GetValueOrDefault(kv.Value)).OfType<StoredEvent>()];
    }

    private static void AddKeys(NpgsqlCommand command, IReadOnlyCollection<(string Type, string StateKey)> keys)
    {
        var distinct = keys.Distinct().ToArray();
        command.Parameters.AddWithValue(distinct.Select(k => k.Type).ToArray());
        command.Parameters.AddWithValue(distinct.Select(k => k.StateKey).ToArray());
    }

    private static async Task<IReadOnlyList<StateEntry>> ReadEntriesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<StateEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            entries.Add(new StateEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        return entries;
    }
}
