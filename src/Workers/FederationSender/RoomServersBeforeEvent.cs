using Cluster.Shared.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cluster.Workers.FederationSender;

/// <summary>
/// The other servers with a joined member in a room just before an event: where that event goes.
/// Answered from the room's membership history (room_memberships), so an event read late (a
/// sender catching up after a restart) still goes to the servers that were in the room then, not
/// to one that joined afterwards. The answer is kept per room until the room's next membership
/// event, which is the only thing that changes it; the sender reads each room's events in order
/// (one persister writes a room), so a kept answer is exact for the events that follow it.
/// Not thread-safe: the sender's single stream consumer owns it.
/// </summary>
public sealed class RoomServersBeforeEvent(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster)
{
    /// <summary>Rooms kept at most; past it all are dropped and asked again.</summary>
    public const int Capacity = 10_000;

    // The server name is everything after a user ID's first colon.
    private const string Sql =
        "SELECT DISTINCT substr(user_id, strpos(user_id, ':') + 1) FROM (" +
        "SELECT DISTINCT ON (user_id) user_id, membership FROM room_memberships " +
        "WHERE room_id = $1 AND stream_ordering < $2 AND substr(user_id, strpos(user_id, ':') + 1) <> $3 " +
        "ORDER BY user_id, stream_ordering DESC) latest WHERE membership = 'join'";

    private readonly Dictionary<string, IReadOnlyList<string>> _rooms = new(StringComparer.Ordinal);

    /// <summary>The servers other than this one with a member joined to <paramref name="roomId"/> before stream position <paramref name="streamOrdering"/>.</summary>
    public async Task<IReadOnlyList<string>> GetAsync(string roomId, long streamOrdering, CancellationToken cancellationToken)
    {
        if (_rooms.TryGetValue(roomId, out var kept))
            return kept;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(streamOrdering);
        command.Parameters.AddWithValue(cluster.Value.ServerName);
        var servers = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                servers.Add(reader.GetString(0));
        if (_rooms.Count >= Capacity)
            _rooms.Clear();
        _rooms[roomId] = servers;
        return servers;
    }

    /// <summary>A membership event of the room was read: the servers after it are asked afresh.</summary>
    public void MembershipChanged(string roomId) => _rooms.Remove(roomId);

    /// <summary>Forgets every room: a batch is being read again after a failure, from its first event.</summary>
    public void Clear() => _rooms.Clear();
}
