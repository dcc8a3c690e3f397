using Cluster.Shared.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cluster.Workers.FederationReader.Devices;

/// <summary>
/// Whether another server's user is joined to a room that a local user is joined to: the users
/// whose device lists this server has a use for (and may be sent). Device list updates for anyone
/// else are dropped, as Synapse drops them, so another server cannot fill the cache with users
/// nobody here will ever encrypt for.
/// </summary>
public sealed class RoomsSharedWithLocalUsers(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster)
{
    // A member's server is everything after the first colon of the user ID.
    private const string Sql = """
        SELECT EXISTS (
            SELECT 1 FROM current_state_events theirs
            JOIN current_state_events ours
                ON ours.room_id = theirs.room_id AND ours.type = 'm.room.member' AND ours.membership = 'join'
               AND substr(ours.state_key, strpos(ours.state_key, ':') + 1) = $2
            WHERE theirs.state_key = $1 AND theirs.type = 'm.room.member' AND theirs.membership = 'join')
        """;

    public async Task<bool> AnyAsync(string remoteUserId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.AddWithValue(remoteUserId);
        command.Parameters.AddWithValue(cluster.Value.ServerName);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }
}
