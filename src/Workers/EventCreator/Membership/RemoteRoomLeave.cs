using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventPersister;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>A local user's invite or knock in a room this server holds no events of.</summary>
public sealed record OutsideMembership(RoomRecord Room, StoredEvent Event);

/// <summary>
/// A local user rejects an invite from another server, or withdraws a knock, in a room this server
/// is not in: the leave goes through a resident server (<c>make_leave</c>/<c>send_leave</c>), tried
/// in turn: the inviter's, the room ID's, then those that sent the stripped state. The leave is
/// kept as the user's membership outside the room, so /sync moves the room to <c>leave</c>. When no
/// server takes it (gone, unreachable, refusing), the leave is made here alone
/// (<see cref="OutOfBandLeave"/>), so that an invite from a server that went away never sticks.
/// </summary>
public sealed class RemoteRoomLeave(
    RoomStore rooms, RoomMembershipStore memberships, EventStore events, RemoteMembershipHandshake handshake,
    IEventPersistence persistence, ServerSigningKeyProvider keys, TimeProvider time, IOptions<ClusterOptions> cluster,
    ILogger<RemoteRoomLeave> logger)
{
    /// <summary>The user's current invite or knock in <paramref name="roomId"/> when this server holds no events of the room; null otherwise.</summary>
    public async Task<OutsideMembership?> FindAsync(UserId user, string roomId, CancellationToken cancellationToken)
    {
        if ((await rooms.GetForwardExtremitiesAsync(roomId, 1, cancellationToken)).Count > 0)
            return null;
        var history = await memberships.GetMembershipHistoryAsync(roomId, user.ToString(), cancellationToken);
        if (history.Count == 0 || history[^1].Membership is not (MembershipStates.Invite or MembershipStates.Knock))
            return null;
        var room = await rooms.GetRoomAsync(roomId, cancellationToken);
        var membership = await events.GetEventAsync(history[^1].EventId, cancellationToken);
        return room is null || membership is null ? null : new OutsideMembership(room, membership);
    }

    public async Task<string> LeaveAsync(UserId user, OutsideMembership outside, string? reason, CancellationToken cancellationToken)
    {
        var roomId = outside.Room.RoomId;
        var content = new JsonObject();
        if (reason is not null)
            content["reason"] = reason;
        foreach (var resident in Candidates(outside))
        {
            try
            {
                var leave = await handshake.MakeAsync(resident, MembershipStates.Leave, roomId, user, content, cancellationToken);
                await handshake.SendAsync(resident, leave, cancellationToken);
                await KeepAsync(outside, leave.EventId, leave.Event, cancellationToken);
                logger.LogInformation("{UserId} left {RoomId} ({Membership}) through {Server}", user, roomId, outside.Event.Membership, resident);
                return leave.EventId;
            }
            catch (Exception e) when (e is MatrixException or FederationRequestException)
            {
                logger.LogInformation("Leaving {RoomId} through {Server} failed: {Reason}", roomId, resident, e.Message);
            }
        }
        var (evt, eventId) = OutOfBandLeave.Build(outside.Event.ToPdu(), content, cluster.Value.ServerName,
            await keys.GetAsync(cancellationToken), time.GetUtcNow().ToUnixTimeMilliseconds());
        await KeepAsync(outside, eventId, evt, cancellationToken);
        logger.LogInformation("{UserId} left {RoomId} ({Membership}) here alone: no server of the room took the leave",
            user, roomId, outside.Event.Membership);
        return eventId;
    }

    private Task KeepAsync(OutsideMembership outside, string eventId, JsonObject evt, CancellationToken cancellationToken) =>
        persistence.PersistReceivedAsync(new ReceivedPersistRequest(outside.Room.RoomId, outside.Room.Version.Id,
            [new ReceivedEvent(eventId, CanonicalJson.Encode(evt), Outlier: true, MembershipOutsideRoom: true)]), cancellationToken);

    // Whoever sent the invite is in the room; so, likely, are the room ID's server and the senders
    // of the stripped state the invite or knock came with.
    private List<ServerName> Candidates(OutsideMembership outside)
    {
        var names = new List<string>();
        if (UserId.TryParse(outside.Event.Sender, out var sender))
            names.Add(sender.ServerName.ToString());
        if (RoomId.TryParse(outside.Room.RoomId, out var roomId) && roomId.ServerName is { } origin)
            names.Add(origin.ToString());
        if (RemoteStrippedState.Of(outside.Event.ParseJson()) is { } stripped)
            foreach (var item in stripped.OfType<JsonObject>())
                if (UserId.TryParse(Pdu.StringOf(item["sender"]), out var stateSender))
                    names.Add(stateSender.ServerName.ToString());
        var servers = new List<ServerName>();
        foreach (var name in names.Where(n => n != cluster.Value.ServerName).Distinct(StringComparer.Ordinal).Take(RemoteRoomJoin.MaxServersTried))
            if (ServerName.TryParse(name, out var server))
                servers.Add(server);
        return servers;
    }
}
