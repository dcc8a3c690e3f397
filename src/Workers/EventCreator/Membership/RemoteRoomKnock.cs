using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Cluster.Workers.EventPersister;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>
/// A local user knocks on a room this server is not in, through the first resident server that
/// lets it (<c>make_knock</c>/<c>send_knock</c>). The knock is kept as the user's membership outside
/// the room, with the stripped state the resident answered, so /sync lists the room under
/// <c>knock</c>; an invite the room sends later replaces it like any invite from another server.
/// </summary>
public sealed class RemoteRoomKnock(
    RemoteMembershipHandshake handshake, IEventPersistence persistence, IOptions<ClusterOptions> cluster, ILogger<RemoteRoomKnock> logger)
{
    public async Task<string> KnockAsync(UserId user, string roomId, IReadOnlyList<string> servers, string? reason, CancellationToken cancellationToken)
    {
        var candidates = servers.Where(s => s != cluster.Value.ServerName).Distinct(StringComparer.Ordinal).Take(RemoteRoomJoin.MaxServersTried).ToList();
        if (candidates.Count == 0)
            throw MatrixException.NotFound($"Room {roomId} is not known here and no server to knock through was given.");
        var content = new JsonObject();
        if (reason is not null)
            content["reason"] = reason;
        return await RemoteMembershipErrors.FirstThatLetsAsync(candidates, $"Knocking on {roomId}",
            resident => KnockThroughAsync(resident, user, roomId, content, cancellationToken), logger);
    }

    private async Task<string> KnockThroughAsync(ServerName resident, UserId user, string roomId, JsonObject content, CancellationToken cancellationToken)
    {
        var knock = await handshake.MakeAsync(resident, MembershipStates.Knock, roomId, user, content, cancellationToken);
        if (!knock.Version.KnockJoinRule)
            throw MatrixException.Forbidden($"Room version {knock.Version.Id} does not support knocking.");
        var answer = await handshake.SendAsync(resident, knock, cancellationToken);
        var kept = RemoteStrippedState.Attach(knock.Event, RemoteStrippedState.KnockKey, answer["knock_room_state"] as JsonArray);
        await persistence.PersistReceivedAsync(new ReceivedPersistRequest(roomId, knock.Version.Id,
            [new ReceivedEvent(knock.EventId, CanonicalJson.Encode(kept), Outlier: true, MembershipOutsideRoom: true)]), cancellationToken);
        logger.LogInformation("{UserId} knocked on {RoomId} through {Server}", user, roomId, resident);
        return knock.EventId;
    }
}
