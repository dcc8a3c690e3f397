using Cluster.ClientApi.Tests.Fixtures;
using Npgsql;

namespace Cluster.ClientApi.Tests.StreamsSupport;

/// <summary>
/// Writes room rows straight into the database for the typing, receipts and read marker tests,
/// which only need "user U is joined to room R" and "event E is in room R". Test-only: it
/// bypasses the room pipeline (no auth, no events stream) and belongs to these tests alone.
/// </summary>
public static class DirectRoomRows
{
    // Negative stream orderings never fall in a stream position range, so the events stream's
    // followers never read these rows.
    private static long _nextOrdering = -1_000_000;

    public static async Task InsertJoinedMemberAsync(this Homeserver server, string roomId, string userId)
    {
        await using var connection = new NpgsqlConnection(server.DatabaseConnectionString);
        await connection.OpenAsync();
        var eventId = "$member-" + Guid.NewGuid().ToString("N");
        await using var command = new NpgsqlCommand(
            "INSERT INTO current_state_events (room_id, type, state_key, event_id, membership) VALUES ($1, 'm.room.member', $2, $3, 'join') " +
            "ON CONFLICT (room_id, type, state_key) DO UPDATE SET membership = 'join', event_id = EXCLUDED.event_id", connection);
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(eventId);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task SetMembershipAsync(this Homeserver server, string roomId, string userId, string membership)
    {
        await using var connection = new NpgsqlConnection(server.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "UPDATE current_state_events SET membership = $3 WHERE room_id = $1 AND type = 'm.room.member' AND state_key = $2", connection);
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(membership);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Stores a minimal message event row so that receipts may point at it; returns its ID.</summary>
    public static async Task<string> InsertEventAsync(this Homeserver server, string roomId, string sender, string? eventId = null)
    {
        eventId ??= NewEventId();
        await using var connection = new NpgsqlConnection(server.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "INSERT INTO events (event_id, room_id, stream_ordering, instance_id, topological_ordering, type, sender, origin_server_ts, json) " +
            "VALUES ($1, $2, $3, (SELECT min(instance_id) FROM instances), 1, 'm.room.message', $4, 0, '\\x7b7d'::bytea)", connection);
        command.Parameters.AddWithValue(eventId);
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(Interlocked.Decrement(ref _nextOrdering));
        command.Parameters.AddWithValue(sender);
        await command.ExecuteNonQueryAsync();
        return eventId;
    }

    public static string NewRoomId(this Homeserver server) => $"!{Guid.NewGuid():N}:{server.ServerName}";

    /// <summary>A random event ID of the room version 4+ form ('$' and 43 URL-safe Base64 characters).</summary>
    public static string NewEventId() =>
        "$" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
