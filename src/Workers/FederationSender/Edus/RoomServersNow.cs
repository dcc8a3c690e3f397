using Cluster.Shared.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cluster.Workers.FederationSender.Edus;

/// <summary>
/// The other servers with a member joined to a room in its current state: where the room's EDUs
/// go. Unlike PDUs, EDUs are about now, so the current membership is the right answer, and asking
/// again for each batch keeps it right without following membership changes.
/// </summary>
public sealed class RoomServersNow(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster)
{
    // The server name is everything after a user ID's first colon.
    private const string Sql =
        "SELECT DISTINCT substr(state_key, strpos(state_key, ':') + 1) FROM current_state_events " +
        "WHERE room_id = $1 AND type = 'm.room.member' AND membership = 'join' " +
        "AND substr(state_key, strpos(state_key, ':') + 1) <> $2";

    public async Task<IReadOnlyList<string>> GetAsync(string roomId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(cluster.Value.ServerName);
        var servers = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            servers.Add(reader.GetString(0));
        return servers;
    }
}
