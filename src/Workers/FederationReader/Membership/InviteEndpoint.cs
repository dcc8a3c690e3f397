using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Acl;
using Cluster.Shared.Federation.Pdus;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventPersister;
using Cluster.Workers.FederationReader.Authentication;
using Cluster.Workers.FederationReader.Rooms;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Membership;

/// <summary>
/// <c>PUT /_matrix/federation/v2/invite/{roomId}/{eventId}</c> (body <c>{event, room_version,
/// invite_room_state}</c>): another server's user invites one of ours. The invite must be for a local
/// user, sent by a user of the asking server, validly signed; this server countersigns it and answers
/// <c>{event}</c>. When this server is not in the room, the invite is kept as an outlier that stands as
/// the user's membership, with the stripped state the inviter gave, so the user's /sync shows it; in a
/// room this server is in, the invite arrives through /send like any other event.
/// </summary>
public static class InviteEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPut("/_matrix/federation/v2/invite/{roomId}/{eventId}", async (
            HttpContext context, RoomStore rooms, RoomServerAcls acls, RoomMembershipStore memberships, PduVerifier verifier,
            IEventPersistence persistence, ServerSigningKeyProvider signingKeys, IOptions<ClusterOptions> cluster,
            ILoggerFactory loggers) =>
        {
            var ct = context.RequestAborted;
            var requester = context.FederationRequester();
            var origin = requester.Origin;
            var ourName = cluster.Value.ServerName;
            var roomId = FederationRoomParams.RoomIdFromPath(context);
            var eventId = RequestValues.EventId(PathValues.Get(context, "eventId")).ToString();
            var body = requester.Content ?? throw MatrixException.NotJson("The request needs a JSON body.");
            if (body["event"] is not JsonObject evt)
                throw MatrixException.BadJson("'event' must be the invite event.");
            var versionId = Pdu.StringOf(body["room_version"]) ?? throw MatrixException.BadJson("'room_version' must be a string.");
            if (!RoomVersions.TryGet(versionId, out var version))
                throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.IncompatibleRoomVersion,
                    $"This server does not support room version {versionId}.", new JsonObject { ["room_version"] = versionId });
            if (body["invite_room_state"] is not null and not JsonArray)
                throw MatrixException.BadJson("'invite_room_state' must be an array.");

            if (!IncomingPdu.TryParse(evt, version, roomId, out var pdu, out var invalid))
                throw MatrixException.BadJson($"The invite is not a valid event of {roomId}: {invalid.Detail}.");
            if (pdu.EventId != eventId)
                throw MatrixException.BadJson($"The event's ID is {pdu.EventId}, not {eventId} as in the path.");
            if (pdu.Type != RoomEventTypes.Member || Pdu.StringOf(pdu.Content["membership"]) != MembershipStates.Invite)
                throw MatrixException.BadJson("The event must be an m.room.member invite.");
            if (!UserId.TryParse(pdu.StateKey, out var invitee) || !invitee.IsFromServer(ServerName.Parse(ourName)))
                throw MatrixException.Forbidden($"The invite is not for a user of {ourName}.");
            if (!UserId.TryParse(pdu.Sender, out var inviter) || !inviter.IsFromServer(origin))
                throw MatrixException.Forbidden($"{pdu.Sender} is not a user of {origin}.");
            var room = await rooms.GetRoomAsync(roomId, ct);
            if (room is not null && room.Version.Id != version.Id)
                throw MatrixException.BadJson($"{roomId} has room version {room.Version.Id} here, not {version.Id}.");
            if (room is not null && !(await acls.GetAsync(roomId, ct)).Allows(origin))
                throw MatrixException.Forbidden($"The server ACL of {roomId} denies {origin}.");

            var check = await verifier.CheckSignaturesAsync(pdu, ct);
            if (check.Status != PduCheckStatus.Accepted)
                throw check.Failure?.Reason == PduFailureReason.ContentHashMismatch
                    ? MatrixException.BadJson("The invite's content does not match its content hash.")
                    : MatrixException.Forbidden($"The invite's signatures could not be verified: {check.Failure?.Detail ?? check.Status.ToString()}.");

            var signed = (JsonObject)evt.DeepClone();
            try
            {
                EventSigning.AddSignature(signed, version, ourName, await signingKeys.GetAsync(ct));
            }
            catch (Exception e) when (e is CanonicalJsonException or SignatureFormatException)
            {
                throw MatrixException.BadJson($"The invite cannot be signed: {e.Message}");
            }

            var resident = room is not null && await memberships.IsServerJoinedAsync(roomId, ourName, ct);
            if (!resident)
            {
                var kept = RemoteStrippedState.Attach(signed, RemoteStrippedState.InviteKey, body["invite_room_state"] as JsonArray);
                await persistence.PersistReceivedAsync(new ReceivedPersistRequest(roomId, version.Id,
                    [new ReceivedEvent(eventId, CanonicalJson.Encode(kept), Outlier: true, MembershipOutsideRoom: true)]), ct);
                loggers.CreateLogger(typeof(InviteEndpoint)).LogInformation(
                    "{Inviter} invited {Invitee} to {RoomId}, a room this server is not in", inviter, invitee, roomId);
            }
            return Results.Json(new JsonObject { ["event"] = signed });
        }).RequireFederationAuth();
}
