using Cluster.Replication.Tokens;
using Npgsql;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// Which of a user's rooms have timeline events in a token range: an incremental /sync builds
/// only those, instead of asking every joined room for its timeline.
/// </summary>
public sealed class SyncRoomActivity(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// A superset of the rooms among <paramref name="roomIds"/> with an event after
    /// <paramref name="since"/> and at or before <paramref name="upTo"/>: it uses the vectors'
    /// plain bounds, and the timeline read then applies the exact per-writer bounds. One probe of
    /// events_room_stream (room_id, stream_ordering) per room.
    /// </summary>
    public async Task<IReadOnlyList<string>> RoomsWithEventsAsync(
        IReadOnlyCollection<string> roomIds, StreamPositionVector since, StreamPositionVector upTo, CancellationToken ct)
    {
        if (roomIds.Count == 0 || upTo.IsBeforeOrEqual(since))
            return [];
        await using var command = dataSource.CreateCommand(
            "SELECT r.room_id FROM unnest($1::text[]) AS r(room_id) WHERE EXISTS (" +
            "SELECT 1 FROM events e WHERE e.room_id = r.room_id AND e.stream_ordering > $2 AND e.stream_ordering <= $3)");
        command.Parameters.AddWithValue(roomIds.ToArray());
        command.Parameters.AddWithValue(since.Minimum);
        command.Parameters.AddWithValue(upTo.Maximum);
        var rooms = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rooms.Add(reader.GetString(0));
        return rooms;
    }
}
