using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Npgsql;

namespace Cluster.Shared.Storage.Events;

/// <summary>
/// One event to write, with the stream position the persister allocated for it; null: the value
/// the connection drew last from the events sequence, in the same batch.
/// </summary>
public sealed record EventWrite(
    Pdu Event,
    byte[] CanonicalJson,
    long? StreamOrdering,
    int InstanceId,
    ClientTransaction? Transaction = null,
    // The event this redaction removes, when the creator found the redaction allowed to apply.
    string? AppliesRedactionOf = null,
    // For a create event: list the room in the public directory.
    bool IsPublicRoom = false);

/// <summary>What writing an event decided: its state group (the state before it), that group's delta chain length, the state event it replaces.</summary>
public sealed record EventWriteOutcome(long StateGroupBefore, int DeltaChainLength, string? ReplacedStateEventId);

/// <summary>
/// The event a persister wrote last in a room, with what the state after it is made of: its state
/// group (the state before it), that group's delta chain length, and its key when it is accepted
/// state. These are facts about that event and never change; whether it is still the room's only
/// forward extremity is for the write that relies on it to check (<see cref="RoomEventWriter.TryAddWriteOnTip"/>).
/// </summary>
public sealed record RoomTip(string RoomId, string EventId, long StateGroup, int DeltaChainLength, (string Type, string StateKey)? AcceptedStateKey)
{
    /// <summary>The tip a locally built (so accepted) <paramref name="written"/> event leaves.</summary>
    public static RoomTip After(Pdu written, EventWriteOutcome outcome) => new(
        written.RoomId, written.EventId, outcome.StateGroupBefore, outcome.DeltaChainLength,
        written.StateKey is { } key ? (written.Type, key) : null);
}

/// <summary>A write on a room's tip added to a batch: the state group it uses when known beforehand (else the batch makes one).</summary>
public sealed record TipWrite(long? KnownStateGroup, int DeltaChainLength);

/// <summary>
/// What writing a received event decided: its state group (the state before it) and that group's
/// delta chain length (0 for an outlier, which has none), the current state event it replaces, and
/// for an accepted event the room's forward extremities after it.
/// </summary>
public sealed record ReceivedEventWriteOutcome(
    long StateGroupBefore, int DeltaChainLength, string? ReplacedStateEventId, IReadOnlySet<string>? ExtremitiesAfter);

/// <summary>
/// The state after an event's prev event, read under the room's lock: the prev event's state group
/// and that group's delta chain length, the prev event's key when it is accepted state (the new
/// event's state adds it), and the current state event the new event replaces.
/// </summary>
public sealed record PrevEventState(
    string ForEventId, string PrevEventId, long StateGroup, int ChainLength,
    (string Type, string StateKey)? AcceptedStateKey, string? ReplacedStateEventId);

/// <summary>What locking a room for a write read: its forward extremities and the state after the first event's prev event.</summary>
public sealed record LockedRoom(IReadOnlySet<string> Extremities, PrevEventState? FirstPrevState);

/// <summary>
/// An event received from another server, with what the persister decided about it: an outlier
/// (held without the state at it: auth chains, state handed over at a join), or placed in the
/// room's graph with <see cref="StateBefore"/> (null: built as a delta on its only prev event's
/// state), accepted, rejected or soft-failed.
/// </summary>
public sealed record ReceivedEventWrite(
    Pdu Event,
    byte[] CanonicalJson,
    long StreamOrdering,
    int InstanceId,
    bool Outlier,
    string? RejectionReason,
    bool SoftFailed,
    IReadOnlyDictionary<(string Type, string StateKey), string>? StateBefore,
    // An outlier member event that is part of a state another server handed over (a join's
    // state): recorded in the membership history, so the room's members are known from here on.
    bool RecordsMembership = false,
    // Another server's membership event handed over here (send_join and the like): sent on to the
    // room's other servers, except this one.
    string? SendOnBehalfOf = null,
    // This server's user's join made through a resident server, which sends it on itself.
    bool SentByResident = false)
{
    /// <summary>Accepted into the timeline: becomes a forward extremity and may change the current state.</summary>
    public bool Accepted => !Outlier && RejectionReason is null && !SoftFailed;
}

/// <summary>The room's forward extremities do not match what the event was built on.</summary>
public sealed class StaleExtremitiesException(string roomId, string detail)
    : Exception($"Room {roomId} moved on while the event was built: {detail}")
{
    public string RoomId { get; } = roomId;
}

/// <summary>
/// The SQL of persisting room events, inside the persister's transaction: the event row, its
/// edges, the forward extremities, its state group, the current state and the membership
/// history. One persister writes a room at a time; <see cref="AddLockRoom"/> makes that
/// hold in the database too.
/// </summary>
public sealed class RoomEventWriter
{
    /// <summary>
    /// A state group is stored as a delta on the previous one until the chain would grow past this
    /// length; then the whole state is written again, so reading a state never walks more than
    /// this many + 1 groups.
    /// </summary>
    public const int MaxDeltaChainLength = 50;

    /// <summary>What <c>lock_room_expecting_extremities</c> (migration 0015) fails with: the room's extremities are not the expected ones.</summary>
    public const string ExtremitiesMovedSqlState = "MX001";

    /// <summary>
    /// Adds to <paramref name="batch"/> every row of <paramref name="write"/>, an event that is not
    /// state and whose only prev event is <paramref name="tip"/>'s, so nothing needs reading first:
    /// with its position drawn at the batch's start (<see cref="EventWrite.StreamOrdering"/> null),
    /// one round trip that commits too, as one implicit transaction (a batch without <c>NpgsqlTransaction</c>).
    /// The batch locks the room and fails with <see cref="ExtremitiesMovedSqlState"/>, writing
    /// nothing, unless the tip is still the room's only forward extremity. Returns null, adding
    /// nothing, for any other event, or when the state group would need the whole state read.
    /// Read the results with <see cref="ReadWriteOnTipAsync"/>.
    /// </summary>
    public TipWrite? TryAddWriteOnTip(NpgsqlBatch batch, EventWrite write, RoomTip tip)
    {
        var ev = write.Event;
        if (ev.StateKey is not null || ev.RoomId != tip.RoomId || ev.PrevEventIds.Count != 1 || ev.PrevEventIds[0] != tip.EventId)
            return null;
        if (tip.AcceptedStateKey is not null && tip.DeltaChainLength + 1 > MaxDeltaChainLength)
            return null;
        Add(batch, "SELECT lock_room_expecting_extremities($1, $2)", ev.RoomId, new[] { tip.EventId });
        if (tip.AcceptedStateKey is not { } key)
        {
            AddEventRows(batch, write, tip.StateGroup, membership: null, replaced: null);
            return new TipWrite(tip.StateGroup, tip.DeltaChainLength);
        }
        // The state after the tip is its group plus the tip itself: a one-entry delta, made here.
        AddInsertGroup(batch, ev, tip.StateGroup, tip.DeltaChainLength + 1,
            new Dictionary<(string, string), string> { [key] = tip.EventId }, alsoAsEventsGroup: true);
        AddEventRows(batch, write, stateGroup: null, membership: null, replaced: null);
        return new TipWrite(null, tip.DeltaChainLength + 1);
    }

    /// <summary>
    /// Reads what the statements <see cref="TryAddWriteOnTip"/> added decided, from
    /// <paramref name="reader"/> positioned on the first of their results to the batch's end; a
    /// refused statement throws its <see cref="PostgresException"/>.
    /// </summary>
    public async Task<EventWriteOutcome> ReadWriteOnTipAsync(NpgsqlDataReader reader, TipWrite added, CancellationToken cancellationToken)
    {
        var stateGroup = added.KnownStateGroup;
        // After the lock's result, only the new state group's statement returns a row.
        while (await reader.NextResultAsync(cancellationToken))
            if (reader.FieldCount > 0 && await reader.ReadAsync(cancellationToken))
                stateGroup = reader.GetInt64(0);
        return new EventWriteOutcome(stateGroup ?? throw new InvalidOperationException("The batch made no state group."), added.DeltaChainLength, null);
    }

    /// <summary>
    /// Adds to <paramref name="batch"/> (inside the persister's transaction) what locking the room
    /// for <paramref name="first"/>, the first event of a write, reads: the room's row, locked for
    /// the transaction, its forward extremities, and the state after the event's prev event. One
    /// round trip with whatever the batch already holds (the stream positions); read the results
    /// with <see cref="ReadLockedRoomAsync"/>.
    /// </summary>
    public void AddLockRoom(NpgsqlBatch batch, string roomId, Pdu first)
    {
        Add(batch, "SELECT 1 FROM rooms WHERE room_id = $1 FOR UPDATE", roomId);
        Add(batch, "SELECT event_id FROM room_forward_extremities WHERE room_id = $1", roomId);
        if (first.PrevEventIds.Count == 1)
            AddPrevState(batch, first);
    }

    /// <summary>
    /// Reads what <see cref="AddLockRoom"/> asked for. For a write that starts with the create
    /// event the room must be new: nothing locked, no extremities.
    /// </summary>
    /// <exception cref="StaleExtremitiesException">The room is unknown (or, for a create, already exists).</exception>
    public async Task<LockedRoom> ReadLockedRoomAsync(
        NpgsqlDataReader reader, string roomId, bool creating, Pdu first, CancellationToken cancellationToken)
    {
        var exists = await reader.ReadAsync(cancellationToken);
        if (exists == creating)
            throw new StaleExtremitiesException(roomId, creating ? "the room already exists" : "the room does not exist");
        await reader.NextResultAsync(cancellationToken);
        var extremities = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
            extremities.Add(reader.GetString(0));
        PrevEventState? prevState = null;
        if (first.PrevEventIds.Count == 1)
        {
            await reader.NextResultAsync(cancellationToken);
            // A prev event that is not an extremity fails the caller's check; its state is moot.
            prevState = await ReadPrevStateAsync(reader, first, required: false, cancellationToken);
        }
        return new LockedRoom(extremities, prevState);
    }

    /// <summary>
    /// Writes every row of one event. Its prev events must be the room's extremities (checked by
    /// the caller). <paramref name="prevState"/>: the state after its prev event when the caller
    /// read it already (<see cref="ReadLockedRoomAsync"/>), else it is read here.
    /// </summary>
    public async Task<EventWriteOutcome> WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EventWrite write, PrevEventState? prevState, CancellationToken cancellationToken)
    {
        var ev = write.Event;
        var (stateGroup, chainLength, replaced) = await AssignStateGroupAsync(connection, transaction, ev, prevState, cancellationToken);
        var membership = ev.Type == RoomEventTypes.Member ? StringOf(ev.Content["membership"]) : null;

        await using var batch = new NpgsqlBatch(connection, transaction);
        if (ev.Type == RoomEventTypes.Create && ev.StateKey == "")
            Add(batch, "INSERT INTO rooms (room_id, room_version, creator, is_public) VALUES ($1, $2, $3, $4)",
                ev.RoomId, ev.Version.Id, ev.Sender, write.IsPublicRoom);
        AddEventRows(batch, write, stateGroup, membership, replaced);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return new EventWriteOutcome(stateGroup, chainLength, replaced);
    }

    // The rows of a locally built event; stateGroup null: the batch's new group maps the event already (AddInsertGroup).
    private static void AddEventRows(NpgsqlBatch batch, EventWrite write, long? stateGroup, string? membership, string? replaced)
    {
        var ev = write.Event;
        // Without a position given, the one drawn in the same batch (the sequence of migration 0001).
        Add(batch,
            "INSERT INTO events (event_id, room_id, stream_ordering, instance_id, topological_ordering, type, state_key, sender, " +
            "origin_server_ts, json, membership, replaces_state) " +
            "VALUES ($1, $2, COALESCE($3, currval('events_stream_seq')), $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            ev.EventId, ev.RoomId, new NpgsqlParameter { Value = (object?)write.StreamOrdering ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint },
            write.InstanceId, ev.Depth, ev.Type, (object?)ev.StateKey ?? DBNull.Value,
            ev.Sender, ev.OriginServerTs, write.CanonicalJson, (object?)membership ?? DBNull.Value, (object?)replaced ?? DBNull.Value);
        if (ev.PrevEventIds.Count > 0)
        {
            Add(batch, "INSERT INTO event_edges (event_id, prev_event_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
                ev.EventId, ev.PrevEventIds.ToArray());
            Add(batch, "DELETE FROM room_forward_extremities WHERE room_id = $1 AND event_id = ANY($2)",
                ev.RoomId, ev.PrevEventIds.ToArray());
        }
        if (ev.AuthEventIds.Count > 0)
            Add(batch, "INSERT INTO event_auth_edges (event_id, auth_event_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
                ev.EventId, ev.AuthEventIds.ToArray());
        Add(batch, "INSERT INTO room_forward_extremities (room_id, event_id) VALUES ($1, $2)", ev.RoomId, ev.EventId);
        if (stateGroup is { } group)
            Add(batch, "INSERT INTO event_to_state_groups (event_id, state_group) VALUES ($1, $2)", ev.EventId, group);
        if (ev.StateKey is { } stateKey)
            Add(batch,
                "INSERT INTO current_state_events (room_id, type, state_key, event_id, membership) VALUES ($1, $2, $3, $4, $5) " +
                "ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_id = EXCLUDED.event_id, membership = EXCLUDED.membership",
                ev.RoomId, ev.Type, stateKey, ev.EventId, (object?)membership ?? DBNull.Value);
        if (membership is not null && ev.StateKey is { } target)
            Add(batch,
                "INSERT INTO room_memberships (event_id, room_id, user_id, sender, membership, stream_ordering, instance_id) " +
                "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                ev.EventId, ev.RoomId, target, ev.Sender, membership,
                write.StreamOrdering ?? throw new ArgumentException("A membership is written with its position given."), write.InstanceId);
        if (write.AppliesRedactionOf is { } redacts)
            Add(batch, "INSERT INTO redactions (event_id, redacts, room_id) VALUES ($1, $2, $3)", ev.EventId, redacts, ev.RoomId);
        if (write.Transaction is { } txn)
            Add(batch,
                "INSERT INTO event_transaction_ids (event_id, user_id, device_id, scope, txn_id) VALUES ($1, $2, $3, $4, $5)",
                ev.EventId, txn.UserId, txn.DeviceId, txn.Scope, txn.TxnId);
    }

    /// <summary>
    /// Writes every row of an event received over federation (<see cref="ReceivedEventWrite"/>).
    /// An accepted event replaces its prev events among the forward extremities, and becomes one
    /// itself unless a stored event already names it as a prev event (it arrived late); the
    /// current state is the caller's (<see cref="ReplaceCurrentStateAsync"/>). <paramref name="prevState"/>:
    /// the state after its only prev event when the caller knows it (it placed that event in this
    /// transaction), else it is read here.
    /// </summary>
    public async Task<ReceivedEventWriteOutcome> WriteReceivedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, ReceivedEventWrite write, PrevEventState? prevState,
        CancellationToken cancellationToken)
    {
        var ev = write.Event;
        long stateGroup = 0;
        var chainLength = 0;
        string? replaced = null;
        if (!write.Outlier)
        {
            if (write.StateBefore is { } stateBefore)
            {
                stateGroup = await InsertGroupAsync(connection, transaction, ev, null, 0, stateBefore, cancellationToken);
                if (ev.StateKey is { } key)
                    replaced = stateBefore.GetValueOrDefault((ev.Type, key));
            }
            else
            {
                (stateGroup, chainLength, replaced) = await AssignStateGroupAsync(connection, transaction, ev, prevState, cancellationToken);
            }
        }
        var membership = ev.Type == RoomEventTypes.Member ? StringOf(ev.Content["membership"]) : null;

        await using var batch = new NpgsqlBatch(connection, transaction);
        Add(batch,
            "INSERT INTO events (event_id, room_id, stream_ordering, instance_id, topological_ordering, type, state_key, sender, " +
            "origin_server_ts, json, membership, replaces_state, outlier, rejection_reason, soft_failed, send_on_behalf_of, sent_by_resident) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            ev.EventId, ev.RoomId, write.StreamOrdering, write.InstanceId, ev.Depth, ev.Type, (object?)ev.StateKey ?? DBNull.Value,
            ev.Sender, ev.OriginServerTs, write.CanonicalJson, (object?)membership ?? DBNull.Value, (object?)replaced ?? DBNull.Value,
            write.Outlier, (object?)write.RejectionReason ?? DBNull.Value, write.SoftFailed, (object?)write.SendOnBehalfOf ?? DBNull.Value, write.SentByResident);
        if (ev.AuthEventIds.Count > 0)
            Add(batch, "INSERT INTO event_auth_edges (event_id, auth_event_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
                ev.EventId, ev.AuthEventIds.ToArray());
        if (!write.Outlier)
        {
            if (ev.PrevEventIds.Count > 0)
                Add(batch, "INSERT INTO event_edges (event_id, prev_event_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
                    ev.EventId, ev.PrevEventIds.ToArray());
            Add(batch, "INSERT INTO event_to_state_groups (event_id, state_group) VALUES ($1, $2)", ev.EventId, stateGroup);
        }
        if (write.Outlier && write.RecordsMembership && membership is not null && ev.StateKey is { } member)
            Add(batch,
                "INSERT INTO room_memberships (event_id, room_id, user_id, sender, membership, stream_ordering, instance_id) " +
                "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                ev.EventId, ev.RoomId, member, ev.Sender, membership, write.StreamOrdering, write.InstanceId);
        if (write.Accepted)
        {
            if (ev.PrevEventIds.Count > 0)
                Add(batch, "DELETE FROM room_forward_extremities WHERE room_id = $1 AND event_id = ANY($2)",
                    ev.RoomId, ev.PrevEventIds.ToArray());
            Add(batch,
                "INSERT INTO room_forward_extremities (room_id, event_id) SELECT $1, $2 " +
                "WHERE NOT EXISTS (SELECT 1 FROM event_edges WHERE prev_event_id = $2) ON CONFLICT DO NOTHING",
                ev.RoomId, ev.EventId);
            if (membership is not null && ev.StateKey is { } target)
                Add(batch,
                    "INSERT INTO room_memberships (event_id, room_id, user_id, sender, membership, stream_ordering, instance_id) " +
                    "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    ev.EventId, ev.RoomId, target, ev.Sender, membership, write.StreamOrdering, write.InstanceId);
            // In the same round trip: the extremities the current state now follows.
            Add(batch, "SELECT event_id FROM room_forward_extremities WHERE room_id = $1", ev.RoomId);
        }
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        HashSet<string>? extremities = null;
        if (write.Accepted)
        {
            // The writes before the SELECT return no rows: its result is the last.
            while (reader.FieldCount == 0 && await reader.NextResultAsync(cancellationToken))
            {
            }
            extremities = new HashSet<string>(StringComparer.Ordinal);
            while (await reader.ReadAsync(cancellationToken))
                extremities.Add(reader.GetString(0));
        }
        // A failed write surfaces when its result is reached.
        while (await reader.NextResultAsync(cancellationToken))
        {
        }
        return new ReceivedEventWriteOutcome(stateGroup, chainLength, replaced, extremities);
    }

    /// <summary>
    /// A local user's membership in a room this server is not in (an invite from another server, stored
    /// as an outlier): their row in the room's current state and in room_memberships, which /sync reads.
    /// </summary>
    public async Task WriteMembershipOutsideRoomAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Pdu ev, long streamOrdering, int instanceId,
        CancellationToken cancellationToken)
    {
        var membership = StringOf(ev.Content["membership"]) ?? throw new ArgumentException($"{ev.EventId} has no membership.");
        var target = ev.StateKey ?? throw new ArgumentException($"{ev.EventId} has no state_key.");
        await SetCurrentStateAsync(connection, transaction, ev, cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        Add(batch,
            "INSERT INTO room_memberships (event_id, room_id, user_id, sender, membership, stream_ordering, instance_id) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            ev.EventId, ev.RoomId, target, ev.Sender, membership, streamOrdering, instanceId);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Creates the row of a room this server learns of from another server (joining it), unless it exists.</summary>
    public async Task InsertRoomIfAbsentAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string roomId, string roomVersion, string? creator,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        Add(batch, "INSERT INTO rooms (room_id, room_version, creator) VALUES ($1, $2, $3) ON CONFLICT (room_id) DO NOTHING",
            roomId, roomVersion, (object?)creator ?? DBNull.Value);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The room's forward extremities as this transaction sees them.</summary>
    public async Task<IReadOnlySet<string>> ReadExtremitiesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string roomId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT event_id FROM room_forward_extremities WHERE room_id = $1", connection, transaction);
        command.Parameters.AddWithValue(roomId);
        var extremities = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            extremities.Add(reader.GetString(0));
        return extremities;
    }

    /// <summary>
    /// Makes <paramref name="state"/> the room's current state: rows that differ are replaced, keys
    /// it lacks removed. Memberships are read from the events rows (written earlier in the transaction or before).
    /// </summary>
    public async Task ReplaceCurrentStateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string roomId,
        IReadOnlyDictionary<(string Type, string StateKey), string> state, CancellationToken cancellationToken)
    {
        var types = state.Keys.Select(k => k.Type).ToArray();
        var keys = state.Keys.Select(k => k.StateKey).ToArray();
        var ids = state.Values.ToArray();
        await using var batch = new NpgsqlBatch(connection, transaction);
        Add(batch,
            "DELETE FROM current_state_events c WHERE c.room_id = $1 AND NOT EXISTS (" +
            "SELECT 1 FROM unnest($2::text[], $3::text[], $4::text[]) AS k(type, state_key, event_id) " +
            "WHERE k.type = c.type AND k.state_key = c.state_key AND k.event_id = c.event_id)",
            roomId, types, keys, ids);
        Add(batch,
            "INSERT INTO current_state_events (room_id, type, state_key, event_id, membership) " +
            "SELECT $1, k.type, k.state_key, k.event_id, e.membership FROM unnest($2::text[], $3::text[], $4::text[]) AS k(type, state_key, event_id) " +
            "JOIN events e ON e.event_id = k.event_id ON CONFLICT (room_id, type, state_key) DO NOTHING",
            roomId, types, keys, ids);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sets one key of the current state (the received event extends the state every extremity shares).</summary>
    public async Task SetCurrentStateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Pdu ev, CancellationToken cancellationToken)
    {
        var membership = ev.Type == RoomEventTypes.Member ? StringOf(ev.Content["membership"]) : null;
        await using var batch = new NpgsqlBatch(connection, transaction);
        Add(batch,
            "INSERT INTO current_state_events (room_id, type, state_key, event_id, membership) VALUES ($1, $2, $3, $4, $5) " +
            "ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_id = EXCLUDED.event_id, membership = EXCLUDED.membership",
            ev.RoomId, ev.Type, ev.StateKey!, ev.EventId, (object?)membership ?? DBNull.Value);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    // The state before the event is the state after its prev event: the prev event's own group,
    // plus the prev event itself when it is accepted state (a new group, usually a one-entry delta).
    private static async Task<(long StateGroup, int ChainLength, string? Replaced)> AssignStateGroupAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Pdu ev, PrevEventState? known, CancellationToken cancellationToken)
    {
        if (ev.PrevEventIds.Count == 0)
            return (await InsertGroupAsync(connection, transaction, ev, null, 0, new Dictionary<(string, string), string>(), cancellationToken), 0, null);
        if (ev.PrevEventIds.Count > 1)
        {
            // Built on several extremities: the state it was built against is the room's current
            // state, which is the resolution of those extremities' states.
            var current = await ReadCurrentStateAsync(connection, transaction, ev.RoomId, cancellationToken);
            var replacedByIt = ev.StateKey is { } stateKey ? current.GetValueOrDefault((ev.Type, stateKey)) : null;
            return (await InsertGroupAsync(connection, transaction, ev, null, 0, current, cancellationToken), 0, replacedByIt);
        }

        var prevId = ev.PrevEventIds[0];
        var prev = known is not null && known.PrevEventId == prevId && known.ForEventId == ev.EventId
            ? known
            : await ReadPrevStateAsync(connection, transaction, ev, cancellationToken);
        if (prev.AcceptedStateKey is not { } key)
            return (prev.StateGroup, prev.ChainLength, prev.ReplacedStateEventId);

        if (prev.ChainLength + 1 > MaxDeltaChainLength)
        {
            var full = await ReadGroupAsync(connection, transaction, prev.StateGroup, cancellationToken);
            full[key] = prevId;
            return (await InsertGroupAsync(connection, transaction, ev, null, 0, full, cancellationToken), 0, prev.ReplacedStateEventId);
        }
        var group = await InsertGroupAsync(connection, transaction, ev, prev.StateGroup, prev.ChainLength + 1,
            new Dictionary<(string, string), string> { [key] = prevId }, cancellationToken);
        return (group, prev.ChainLength + 1, prev.ReplacedStateEventId);
    }

    // The prev event's state group, and the current state event the new event replaces (if state).
    private static void AddPrevState(NpgsqlBatch batch, Pdu ev)
    {
        Add(batch,
            "SELECT g.state_group, sg.delta_chain_length, e.type, e.state_key, e.rejection_reason IS NOT NULL " +
            "FROM event_to_state_groups g JOIN state_groups sg ON sg.state_group = g.state_group " +
            "JOIN events e ON e.event_id = g.event_id WHERE g.event_id = $1",
            ev.PrevEventIds[0]);
        Add(batch, "SELECT event_id FROM current_state_events WHERE room_id = $1 AND type = $2 AND state_key = $3",
            ev.RoomId, ev.Type, (object?)ev.StateKey ?? "");
    }

    private static async Task<PrevEventState> ReadPrevStateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Pdu ev, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddPrevState(batch, ev);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return (await ReadPrevStateAsync(reader, ev, required: true, cancellationToken))!;
    }

    private static async Task<PrevEventState?> ReadPrevStateAsync(
        NpgsqlDataReader reader, Pdu ev, bool required, CancellationToken cancellationToken)
    {
        var prevId = ev.PrevEventIds[0];
        if (!await reader.ReadAsync(cancellationToken))
        {
            if (required)
                throw new StaleExtremitiesException(ev.RoomId, $"prev event {prevId} has no state recorded");
            await reader.NextResultAsync(cancellationToken);
            return null;
        }
        var group = reader.GetInt64(0);
        var chainLength = reader.GetInt32(1);
        (string Type, string StateKey)? prevKey = !reader.IsDBNull(3) && !reader.GetBoolean(4)
            ? (reader.GetString(2), reader.GetString(3))
            : null;
        await reader.NextResultAsync(cancellationToken);
        string? replaced = null;
        if (ev.StateKey is not null && await reader.ReadAsync(cancellationToken))
            replaced = reader.GetString(0);
        return new PrevEventState(ev.EventId, prevId, group, chainLength, prevKey, replaced);
    }

    private static async Task<long> InsertGroupAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Pdu ev, long? prevGroup, int chainLength,
        IReadOnlyDictionary<(string Type, string StateKey), string> entries, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddInsertGroup(batch, ev, prevGroup, chainLength, entries, alsoAsEventsGroup: false);
        return (long)(await batch.ExecuteScalarAsync(cancellationToken))!;
    }

    // A new state group made for ev, returning its number; alsoAsEventsGroup: it is also the state before ev.
    private static void AddInsertGroup(
        NpgsqlBatch batch, Pdu ev, long? prevGroup, int chainLength,
        IReadOnlyDictionary<(string Type, string StateKey), string> entries, bool alsoAsEventsGroup)
    {
        var command = new NpgsqlBatchCommand(
            "WITH g AS (INSERT INTO state_groups (room_id, event_id, prev_state_group, delta_chain_length) VALUES ($1, $2, $3, $4) " +
            "RETURNING state_group), s AS (INSERT INTO state_groups_state (state_group, type, state_key, event_id) " +
            "SELECT g.state_group, k.type, k.state_key, k.event_id FROM g, unnest($5::text[], $6::text[], $7::text[]) AS k(type, state_key, event_id)) " +
            (alsoAsEventsGroup ? ", m AS (INSERT INTO event_to_state_groups (event_id, state_group) SELECT $2, state_group FROM g) " : "") +
            "SELECT state_group FROM g");
        command.Parameters.Add(new NpgsqlParameter { Value = ev.RoomId });
        command.Parameters.Add(new NpgsqlParameter { Value = ev.EventId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)prevGroup ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = chainLength });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Keys.Select(k => k.Type).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Keys.Select(k => k.StateKey).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Values.ToArray() });
        batch.BatchCommands.Add(command);
    }

    /// <summary>The room's current state as this transaction sees it.</summary>
    public static async Task<Dictionary<(string Type, string StateKey), string>> ReadCurrentStateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string roomId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT type, state_key, event_id FROM current_state_events WHERE room_id = $1", connection, transaction);
        command.Parameters.AddWithValue(roomId);
        var state = new Dictionary<(string Type, string StateKey), string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            state[(reader.GetString(0), reader.GetString(1))] = reader.GetString(2);
        return state;
    }

    private static async Task<Dictionary<(string Type, string StateKey), string>> ReadGroupAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long stateGroup, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "WITH RECURSIVE chain(state_group, prev_state_group, distance) AS (" +
            "  SELECT state_group, prev_state_group, 0 FROM state_groups WHERE state_group = $1" +
            "  UNION ALL" +
            "  SELECT g.state_group, g.prev_state_group, c.distance + 1 FROM state_groups g JOIN chain c ON g.state_group = c.prev_state_group" +
            ") SELECT DISTINCT ON (s.type, s.state_key) s.type, s.state_key, s.event_id " +
            "FROM chain c JOIN state_groups_state s ON s.state_group = c.state_group ORDER BY s.type, s.state_key, c.distance",
            connection, transaction);
        command.Parameters.AddWithValue(stateGroup);
        var state = new Dictionary<(string Type, string StateKey), string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            if (!reader.IsDBNull(2))
                state[(reader.GetString(0), reader.GetString(1))] = reader.GetString(2);
        return state;
    }

    private static void Add(NpgsqlBatch batch, string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
            command.Parameters.Add(parameter as NpgsqlParameter ?? new NpgsqlParameter { Value = parameter });
        batch.BatchCommands.Add(command);
    }

    private static string? StringOf(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
