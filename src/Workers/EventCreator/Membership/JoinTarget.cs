using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>A room to join: its ID, whether this server is in it already, and the servers to ask when it is not.</summary>
public sealed record JoinTarget(string RoomId, bool Known, IReadOnlyList<string> Servers);

/// <summary>
/// Resolves what a join names (room ID or alias, plus the client's <c>via</c>/<c>server_name</c>
/// hints): local aliases from the alias table, other servers' aliases with a directory query to
/// their server; a room this server does not know is joined through the hinted servers, the alias's
/// servers and the room ID's own server.
/// </summary>
public sealed class JoinTargets(
    RoomStore rooms, RoomAliasStore aliases, RoomMembershipStore memberships, FederationClient federation, IOptions<ClusterOptions> cluster)
{
    public async Task<JoinTarget> ResolveAsync(UserId user, string roomIdOrAlias, IReadOnlyList<string> via, CancellationToken cancellationToken)
    {
        var servers = new List<string>(via);
        string roomId;
        if (roomIdOrAlias.StartsWith(RoomAlias.Sigil))
        {
            var alias = RequestValues.RoomAlias(roomIdOrAlias);
            if (alias.ServerName.ToString() == cluster.Value.ServerName)
                roomId = (await aliases.GetAsync(roomIdOrAlias, cancellationToken))?.RoomId
                    ?? throw MatrixException.NotFound($"Room alias {roomIdOrAlias} is not known here.");
            else
                roomId = await ResolveRemoteAliasAsync(alias, servers, cancellationToken);
        }
        else
        {
            var parsed = RequestValues.RoomId(roomIdOrAlias, "room ID or alias");
            roomId = parsed.ToString();
            if (parsed.ServerName is { } origin)
                servers.Add(origin.ToString());
        }
        // A room is joined here only when this server holds its state (its graph has extremities);
        // a room known from an invite alone is joined through the inviter's server.
        var known = (await rooms.GetForwardExtremitiesAsync(roomId, 1, cancellationToken)).Count > 0;
        if (!known && (await memberships.GetRoomsForUserAsync(user.ToString(), ["invite"], cancellationToken))
                .FirstOrDefault(m => m.RoomId == roomId && m.Membership == "invite") is { } invite
            && UserId.TryParse(invite.Sender, out var inviter))
            servers.Add(inviter.ServerName.ToString());
        return new JoinTarget(roomId, known, servers);
    }

    private async Task<string> ResolveRemoteAliasAsync(RoomAlias alias, List<string> servers, CancellationToken cancellationToken)
    {
        RemoteAliasAnswer answer;
        try
        {
            answer = await RemoteAliasQuery.AskAsync(federation, alias, cancellationToken);
        }
        catch (FederationRequestException)
        {
            throw new MatrixException(StatusCodes.Status502BadGateway, ErrCodes.Unknown, $"{alias.ServerName} could not be asked for {alias}.");
        }
        var resolved = answer.Resolved ?? throw MatrixException.NotFound($"Room alias {alias} is not known to {alias.ServerName}.");
        // The alias's own server last: it is listed by the answer or added by the query.
        servers.AddRange(resolved.Servers.Where(s => s != alias.ServerName.ToString()).Take(RemoteRoomJoin.MaxServersTried));
        servers.Add(alias.ServerName.ToString());
        return resolved.RoomId;
    }
}
