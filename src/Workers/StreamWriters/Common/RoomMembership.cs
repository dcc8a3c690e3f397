using Npgsql;

namespace Cluster.Workers.StreamWriters.Common;

/// <summary>
/// "Is this user joined to this room?", asked before typing and receipts are accepted. One seam
/// so that the rooms store can take over the answer (and cache it).
/// </summary>
public interface IRoomMembership
{
    Task<bool> IsJoinedAsync(string roomId, string userId, CancellationToken cancellationToken);
}

/// <summary>Answers from the room's current state (current_state_events, migration 0002).</summary>
public sealed class CurrentStateRoomMembership(NpgsqlDataSource dataSource) : IRoomMembership
{
    public async Task<bool> IsJoinedAsync(string roomId, string userId, CancellationToken cancellationToken)
    {
        // The primary key (room_id, type, state_key) finds the one member event.
        await using var command = dataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM current_state_events " +
            "WHERE room_id = $1 AND type = 'm.room.member' AND state_key = $2 AND membership = 'join')");
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(userId);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

/// <summary>"Is this event in this room?", asked before a receipt or read marker points at it.</summary>
public interface IRoomEvents
{
    Task<bool> IsInRoomAsync(string eventId, string roomId, CancellationToken cancellationToken);
}

/// <summary>Answers from the events table (migration 0002); rejected events do not count.</summary>
public sealed class StoredRoomEvents(NpgsqlDataSource dataSource) : IRoomEvents
{
    public async Task<bool> IsInRoomAsync(string eventId, string roomId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM events WHERE event_id = $1 AND room_id = $2 AND rejection_reason IS NULL)");
        command.Parameters.AddWithValue(eventId);
        command.Parameters.AddWithValue(roomId);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
