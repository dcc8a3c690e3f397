using Npgsql;

namespace Cluster.Shared.Storage.Events;

/// <summary>A local room alias and who created it.</summary>
public sealed record RoomAliasRecord(string Alias, string RoomId, string Creator);

/// <summary>Local room aliases (table room_aliases).</summary>
public sealed class RoomAliasStore(NpgsqlDataSource dataSource)
{
    /// <summary>Maps the alias to the room; false when the alias is already taken.</summary>
    public async Task<bool> TryCreateAsync(string alias, string roomId, string creator, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO room_aliases (room_alias, room_id, creator) VALUES ($1, $2, $3) ON CONFLICT (room_alias) DO NOTHING");
        command.Parameters.AddWithValue(alias);
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(creator);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<RoomAliasRecord?> GetAsync(string alias, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT room_id, creator FROM room_aliases WHERE room_alias = $1");
        command.Parameters.AddWithValue(alias);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new RoomAliasRecord(alias, reader.GetString(0), reader.GetString(1)) : null;
    }

    /// <summary>Removes the alias; false when it did not exist.</summary>
    public async Task<bool> DeleteAsync(string alias, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM room_aliases WHERE room_alias = $1");
        command.Parameters.AddWithValue(alias);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The room's local aliases, in alias order. Served by room_aliases_room.</summary>
    public async Task<IReadOnlyList<string>> GetAliasesOfRoomAsync(string roomId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT room_alias FROM room_aliases WHERE room_id = $1 ORDER BY room_alias");
        command.Parameters.AddWithValue(roomId);
        var aliases = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            aliases.Add(reader.GetString(0));
        return aliases;
    }
}
