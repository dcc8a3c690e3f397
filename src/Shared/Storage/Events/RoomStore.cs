using Cluster.Shared.RoomVersions;
using Npgsql;

namespace Cluster.Shared.Storage.Events;

/// <summary>A room this server knows.</summary>
public sealed record RoomRecord(string RoomId, RoomVersion Version, string? Creator, bool IsPublic);

/// <summary>A forward extremity: an event of the room that no other event references yet.</summary>
public sealed record ForwardExtremity(string EventId, long Depth, long StreamOrdering, byte[] Json);

/// <summary>Rooms and their forward extremities.</summary>
public sealed class RoomStore(NpgsqlDataSource dataSource)
{
    public async Task<RoomRecord?> GetRoomAsync(string roomId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT room_version, creator, is_public FROM rooms WHERE room_id = $1");
        command.Parameters.AddWithValue(roomId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var versionId = reader.GetString(0);
        if (!RoomVersions.RoomVersions.TryGet(versionId, out var version))
            throw new InvalidOperationException($"Room {roomId} has room version '{versionId}', which this server does not know.");
        return new RoomRecord(roomId, version, reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetBoolean(2));
    }

    /// <summary>
    /// The room's forward extremities, deepest (then newest) first, at most <paramref name="limit"/>:
    /// the prev_events of the next event created here. Served by the room_forward_extremities
    /// primary key prefix and the events primary key.
    /// </summary>
    public async Task<IReadOnlyList<ForwardExtremity>> GetForwardExtremitiesAsync(
        string roomId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT e.event_id, e.topological_ordering, e.stream_ordering, e.json FROM room_forward_extremities x " +
            "JOIN events e ON e.event_id = x.event_id WHERE x.room_id = $1 " +
            "ORDER BY e.topological_ordering DESC, e.stream_ordering DESC LIMIT $2");
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(limit);
        var extremities = new List<ForwardExtremity>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            extremities.Add(new ForwardExtremity(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<byte[]>(3)));
        return extremities;
    }
}
