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
public sealed class JoinTargets(RoomStore rooms, RoomAliasStore aliases, FederationClient federation, IOptions<ClusterOptions> cluster)
{
    public async Task<JoinTarget> ResolveAsync(string roomIdOrAlias, IReadOnlyList<string> via, CancellationToken cancellationToken)
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
        var known = await rooms.GetRoomAsync(roomId, cancellationToken) is not null;
        return new JoinTarget(roomId, known, servers);
    }

    private async Task<string> ResolveRemoteAliasAsync(RoomAlias alias, List<string> servers, CancellationToken cancellationToken)
    {
        FederationResponse response;
        try
        {
            response = await federation.SendAsync(alias.ServerName, HttpMethod.Get,
                $"/_matrix/federation/v1/query/directory?room_alias={Uri.EscapeDataString(alias.ToString())}", null, cancellationToken);
        }
        catch (FederationRequestException e)
        {
            throw new MatrixException(StatusCodes.Status502BadGateway, ErrCodes.Unknown, $"{alias.ServerName} could not be asked for {alias}: {e.Message}");
        }
        if (!response.IsSuccess || Pdu.StringOf(response.Body?["room_id"]) is not { } roomId || !RoomId.TryParse(roomId, out _))
            throw MatrixException.NotFound($"Room alias {alias} is not known to {alias.ServerName}.");
        if (response.Body?["servers"] is System.Text.Json.Nodes.JsonArray listed)
            servers.AddRange(listed.Select(Pdu.StringOf).OfType<string>().Take(RemoteRoomJoin.MaxServersTried));
        servers.Add(alias.ServerName.ToString());
        return roomId;
    }
}
