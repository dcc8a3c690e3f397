using System.Text.Json.Nodes;
using Npgsql;

namespace Cluster.Shared.Storage.Directory;

/// <summary>A room as the public room directory describes it, from the room's current state.</summary>
public sealed record PublicRoomEntry(
    string RoomId, string? Name, string? Topic, string? CanonicalAlias, string? AvatarUrl, string? JoinRule,
    string? RoomType, bool WorldReadable, bool GuestCanJoin, int JoinedMembers);

/// <summary>
/// The room directory: which rooms are listed (rooms.is_public) and what the listing shows. Reads
/// current state directly (current_state_events and the events' JSON), the same rows /state serves.
/// </summary>
public sealed class RoomDirectoryStore(NpgsqlDataSource dataSource)
{
    private static readonly string[] DirectoryStateTypes =
    [
        "m.room.name", "m.room.topic", "m.room.canonical_alias", "m.room.avatar", "m.room.join_rules",
        "m.room.history_visibility", "m.room.guest_access", "m.room.create",
    ];

    /// <summary>Null when the room is unknown here.</summary>
    public async Task<bool?> IsPublicAsync(string roomId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT is_public FROM rooms WHERE room_id = $1");
        command.Parameters.AddWithValue(roomId);
        return await command.ExecuteScalarAsync(cancellationToken) is bool value ? value : null;
    }

    /// <summary>Lists or unlists a room; false when the room is unknown.</summary>
    public async Task<bool> SetPublicAsync(string roomId, bool isPublic, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE rooms SET is_public = $2 WHERE room_id = $1");
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(isPublic);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>
    /// The room's version and its current state events of the given (type, "") keys plus the
    /// user's member event, as JSON; null when the room is unknown. Enough to decide who may
    /// change the room's listing.
    /// </summary>
    public async Task<(string RoomVersion, IReadOnlyDictionary<(string Type, string StateKey), (string EventId, JsonObject Json)> State)?>
        GetAuthStateAsync(string roomId, string userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        string version;
        await using (var command = new NpgsqlCommand("SELECT room_version FROM rooms WHERE room_id = $1", connection))
        {
            command.Parameters.AddWithValue(roomId);
            if (await command.ExecuteScalarAsync(cancellationToken) is not string v)
                return null;
            version = v;
        }
        var state = new Dictionary<(string, string), (string, JsonObject)>();
        await using (var command = new NpgsqlCommand(
            "SELECT c.type, c.state_key, c.event_id, e.json FROM current_state_events c JOIN events e ON e.event_id = c.event_id " +
            "WHERE c.room_id = $1 AND ((c.state_key = '' AND c.type IN ('m.room.create', 'm.room.power_levels')) " +
            "OR (c.type = 'm.room.member' AND c.state_key = $2))", connection))
        {
            command.Parameters.AddWithValue(roomId);
            command.Parameters.AddWithValue(userId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                state[(reader.GetString(0), reader.GetString(1))] =
                    (reader.GetString(2), JsonNode.Parse(reader.GetFieldValue<byte[]>(3))!.AsObject());
        }
        return (version, state);
    }

    /// <summary>Every listed room with its directory fields (the rooms_public index keeps this to the listed rooms).</summary>
    public async Task<IReadOnlyList<PublicRoomEntry>> GetPublicRoomsAsync(CancellationToken cancellationToken)
    {
        var state = new Dictionary<string, Dictionary<string, JsonObject>>(StringComparer.Ordinal);
        var joined = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(
            "SELECT r.room_id, c.type, e.json FROM rooms r " +
            "LEFT JOIN current_state_events c ON c.room_id = r.room_id AND c.state_key = '' AND c.type = ANY($1) " +
            "LEFT JOIN events e ON e.event_id = c.event_id WHERE r.is_public", connection))
        {
            command.Parameters.AddWithValue(DirectoryStateTypes);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var room = reader.GetString(0);
                if (!state.TryGetValue(room, out var types))
                    state[room] = types = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
                if (!reader.IsDBNull(1) && !reader.IsDBNull(2)
                    && JsonNode.Parse(reader.GetFieldValue<byte[]>(2))?["content"] is JsonObject content)
                    types[reader.GetString(1)] = content;
            }
        }
        await using (var command = new NpgsqlCommand(
            "SELECT c.room_id, count(*)::int FROM rooms r JOIN current_state_events c ON c.room_id = r.room_id " +
            "WHERE r.is_public AND c.type = 'm.room.member' AND c.membership = 'join' GROUP BY c.room_id", connection))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                joined[reader.GetString(0)] = reader.GetInt32(1);
        }
        return [.. state.Select(pair => Describe(pair.Key, pair.Value, joined.GetValueOrDefault(pair.Key)))];
    }

    private static PublicRoomEntry Describe(string roomId, Dictionary<string, JsonObject> state, int joinedMembers)
    {
        string? Text(string type, string field) =>
            state.TryGetValue(type, out var content) && content[field] is JsonValue value && value.TryGetValue<string>(out var text)
                ? text
                : null;
        return new PublicRoomEntry(
            roomId,
            Text("m.room.name", "name"),
            Text("m.room.topic", "topic"),
            Text("m.room.canonical_alias", "alias"),
            Text("m.room.avatar", "url"),
            Text("m.room.join_rules", "join_rule"),
            Text("m.room.create", "type"),
            Text("m.room.history_visibility", "history_visibility") == "world_readable",
            Text("m.room.guest_access", "guest_access") == "can_join",
            joinedMembers);
    }
}
