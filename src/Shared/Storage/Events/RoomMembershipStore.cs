using Npgsql;

namespace Cluster.Shared.Storage.Events;

/// <summary>A user's membership of a room as of one membership event, with that event's stream position.</summary>
public sealed record MembershipRecord(
    string RoomId, string UserId, string Membership, string EventId, string Sender, long StreamOrdering, int InstanceId, bool Forgotten);

/// <summary>A member of a room in its current state.</summary>
public readonly record struct RoomMember(string UserId, string Membership, string EventId);

/// <summary>
/// Memberships: who is in which room now (current_state_events) and every membership event of
/// every user (room_memberships), which history visibility, /sync and /forget read.
/// </summary>
public sealed class RoomMembershipStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The rooms <paramref name="userId"/> has a membership in now (join, invite, leave, ban, knock),
    /// each with the membership event and its stream position: the joined, invited, left and knocked
    /// rooms of an initial /sync. Rooms the user forgot are left out unless asked for.
    /// Served by current_state_events_member (state_key, membership).
    /// </summary>
    public async Task<IReadOnlyList<MembershipRecord>> GetRoomsForUserAsync(
        string userId, IReadOnlyCollection<string>? memberships, CancellationToken cancellationToken, bool includeForgotten = false)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT c.room_id, c.state_key, c.membership, c.event_id, e.sender, e.stream_ordering, e.instance_id, COALESCE(m.forgotten, false) " +
            "FROM current_state_events c JOIN events e ON e.event_id = c.event_id " +
            "LEFT JOIN room_memberships m ON m.event_id = c.event_id " +
            "WHERE c.type = 'm.room.member' AND c.state_key = $1 " +
            "AND ($2::text[] IS NULL OR c.membership = ANY($2)) AND ($3 OR NOT COALESCE(m.forgotten, false)) " +
            "ORDER BY e.stream_ordering");
        command.Parameters.AddWithValue(userId);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)memberships?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.AddWithValue(includeForgotten);
        return await ReadRecordsAsync(command, cancellationToken);
    }

    /// <summary>Whether the user is joined to the room now (typing and receipts need it). The primary key finds the one member event.</summary>
    public async Task<bool> IsJoinedAsync(string roomId, string userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM current_state_events " +
            "WHERE room_id = $1 AND type = 'm.room.member' AND state_key = $2 AND membership = 'join')");
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(userId);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Whether some user of <paramref name="serverName"/> is joined to the room now: what another server
    /// needs to read the room over federation. A user's server is everything after the first ':' of
    /// the user ID. Scans the room's member rows (the current_state_events primary key prefix).
    /// </summary>
    public async Task<bool> IsServerJoinedAsync(string roomId, string serverName, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM current_state_events WHERE room_id = $1 AND type = 'm.room.member' " +
            "AND membership = 'join' AND substr(state_key, strpos(state_key, ':') + 1) = $2)");
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(serverName);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The IDs of the rooms the user is joined to now (GET /joined_rooms).</summary>
    public async Task<IReadOnlyList<string>> GetJoinedRoomIdsAsync(string userId, CancellationToken cancellationToken)
    {
        var rooms = await GetRoomsForUserAsync(userId, ["join"], cancellationToken);
        return [.. rooms.Select(r => r.RoomId)];
    }

    /// <summary>
    /// The user's membership events with stream positions after <paramref name="after"/> and at or
    /// before <paramref name="upTo"/>, oldest first: which rooms an incremental /sync must move
    /// between its joined, invited, left and knocked sections. Served by room_memberships_user_stream.
    /// </summary>
    public async Task<IReadOnlyList<MembershipRecord>> GetMembershipChangesAsync(
        string userId, StreamBound after, StreamBound upTo, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.AddWithValue(userId);
        var (joins, range) = StreamBound.RangeSql(command.Parameters, "m", after, upTo);
        command.CommandText =
            "SELECT m.room_id, m.user_id, m.membership, m.event_id, m.sender, m.stream_ordering, m.instance_id, m.forgotten " +
            $"FROM room_memberships m {joins}WHERE m.user_id = $1 AND {range} ORDER BY m.stream_ordering";
        return await ReadRecordsAsync(command, cancellationToken);
    }

    /// <summary>Every membership event of the user in the room, oldest first. Served by room_memberships_user_room.</summary>
    public async Task<IReadOnlyList<MembershipRecord>> GetMembershipHistoryAsync(
        string roomId, string userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT room_id, user_id, membership, event_id, sender, stream_ordering, instance_id, forgotten " +
            "FROM room_memberships WHERE user_id = $1 AND room_id = $2 ORDER BY stream_ordering");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(roomId);
        return await ReadRecordsAsync(command, cancellationToken);
    }

    /// <summary>
    /// Marks the user's membership events of the room as forgotten, so it drops out of their room
    /// lists until a new membership event. Returns how many rows it marked.
    /// </summary>
    public async Task<int> ForgetAsync(string roomId, string userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE room_memberships SET forgotten = true WHERE user_id = $1 AND room_id = $2 AND NOT forgotten");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(roomId);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The room's members in its current state, optionally only those with one membership. Served by the current_state_events primary key prefix.</summary>
    public async Task<IReadOnlyList<RoomMember>> GetCurrentMembersAsync(
        string roomId, string? membership, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT state_key, membership, event_id FROM current_state_events " +
            "WHERE room_id = $1 AND type = 'm.room.member' AND ($2::text IS NULL OR membership = $2) ORDER BY state_key");
        command.Parameters.AddWithValue(roomId);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)membership ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var members = new List<RoomMember>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            members.Add(new RoomMember(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        return members;
    }

    private static async Task<IReadOnlyList<MembershipRecord>> ReadRecordsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var records = new List<MembershipRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            records.Add(new MembershipRecord(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetInt64(5), reader.GetInt32(6), reader.GetBoolean(7)));
        return records;
    }
}
