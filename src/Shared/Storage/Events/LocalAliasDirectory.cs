using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Identifiers;
using Microsoft.Extensions.Options;

namespace Cluster.Shared.Storage.Events;

/// <summary>A room alias resolved: the room and the servers to join it through, this one first.</summary>
public sealed record ResolvedAlias(string RoomId, IReadOnlyList<string> Servers)
{
    /// <summary>The answer's shape, the same in the client and the federation API.</summary>
    public JsonObject ToJson() => new()
    {
        ["room_id"] = RoomId,
        ["servers"] = new JsonArray([.. Servers.Select(s => (JsonNode)s)]),
    };
}

/// <summary>
/// Resolves this server's own room aliases, for local clients (<c>GET /directory/room</c>) and
/// other servers (<c>/query/directory</c>) alike. The servers offered are this one and every
/// server with a user joined to the room.
/// </summary>
public sealed class LocalAliasDirectory(RoomAliasStore aliases, RoomMembershipStore members, IOptions<ClusterOptions> options)
{
    /// <summary>Null when the alias is not one of this server's or names no room.</summary>
    public async Task<ResolvedAlias?> ResolveAsync(RoomAlias alias, CancellationToken cancellationToken)
    {
        var local = options.Value.ServerName;
        if (alias.ServerName.ToString() != local || await aliases.GetAsync(alias.ToString(), cancellationToken) is not { } record)
            return null;
        var servers = new List<string> { local };
        foreach (var member in await members.GetCurrentMembersAsync(record.RoomId, "join", cancellationToken))
            if (UserId.TryParse(member.UserId, out var user) && user.ServerName.ToString() is var server && !servers.Contains(server))
                servers.Add(server);
        return new ResolvedAlias(record.RoomId, servers);
    }
}
