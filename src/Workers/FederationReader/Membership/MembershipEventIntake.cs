using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Pdus;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventPersister;
using Cluster.Workers.FederationReader.Authentication;
using Cluster.Workers.FederationReader.Rooms;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Membership;

/// <summary>A membership event another server sent back signed, as this server stored it.</summary>
public sealed record AcceptedMembership(RoomRecord Room, Pdu Pdu);

/// <summary>
/// The second half of the membership handshakes (send_join, send_leave, send_knock): the event in the
/// body must be the asker's own user's membership of the kind the endpoint handles, in the room and with
/// the ID of the path, validly signed and hashed (<see cref="PduVerifier"/>), allowed by its auth events,
/// and then by the persister against the state before it and the current state. A restricted join
/// this server vouches for is countersigned first. Bad events are 400 M_BAD_JSON; events the rules or
/// the signatures refuse, 403 M_FORBIDDEN. An event stored before is answered again (a retry).
/// </summary>
public sealed class MembershipEventIntake(
    ResidentRoomAccess access, EventStore events, PduVerifier verifier, IEventPersistence persistence,
    RestrictedJoinAuthoriser restricted, ServerSigningKeyProvider signingKeys, IOptions<ClusterOptions> cluster,
    ILogger<MembershipEventIntake> logger)
{
    public async Task<AcceptedMembership> AcceptAsync(HttpContext context, string membership, CancellationToken cancellationToken)
    {
        var requester = context.FederationRequester();
        var origin = requester.Origin;
        var roomId = FederationRoomParams.RoomIdFromPath(context);
        var eventId = RequestValues.EventId(PathValues.Get(context, "eventId")).ToString();
        var body = requester.Content ?? throw MatrixException.NotJson("The request needs the signed event as its body.");
        var room = await access.RequireAsync(roomId, origin, cancellationToken);

        // The shape first: an event for someone else's user must not make this server fetch keys.
        if (!IncomingPdu.TryParse(body, room.Version, room.RoomId, out var parsed, out var invalid))
            throw MatrixException.BadJson($"The event is not a valid event of {room.RoomId}: {invalid.Detail}.");
        RequireShape(parsed, eventId, membership, origin);
        await CountersignAsync(room, parsed, cancellationToken);
        var pdu = await VerifyAsync(parsed, cancellationToken);

        if (await events.GetEventAsync(eventId, cancellationToken) is { } stored)
        {
            if (!stored.IsInTimeline)
                throw MatrixException.Forbidden($"{eventId} was refused before: {stored.RejectionReason ?? "not accepted into the room"}.");
            return new AcceptedMembership(room, pdu);
        }
        await RequireAuthorisedAsync(pdu, cancellationToken);
        await PersistAsync(room, pdu, cancellationToken);
        return new AcceptedMembership(room, pdu);
    }

    // The restricted join rule needs the authorising user's server to sign the join; that is this
    // server when it named one of its users in make_join. It signs only joins it would vouch for.
    // The signature goes into the event's JSON, which the parsed event reads its signatures from.
    private async Task CountersignAsync(RoomRecord room, Pdu join, CancellationToken cancellationToken)
    {
        if (Pdu.StringOf(join.Content["membership"]) != MembershipStates.Join || !room.Version.RestrictedJoinRule
            || Pdu.StringOf(join.Content["join_authorised_via_users_server"]) is not { } authoriser
            || !UserId.TryParse(authoriser, out var authoriserId) || !authoriserId.IsFromServer(ServerName.Parse(cluster.Value.ServerName)))
            return;
        await restricted.RequireAllowedAsync(room, join.Sender, cancellationToken);
        try
        {
            EventSigning.AddSignature(join.Json, room.Version, cluster.Value.ServerName, await signingKeys.GetAsync(cancellationToken));
        }
        catch (Exception e) when (e is CanonicalJsonException or SignatureFormatException)
        {
            throw MatrixException.BadJson($"The event cannot be signed: {e.Message}");
        }
    }

    private async Task<Pdu> VerifyAsync(Pdu parsed, CancellationToken cancellationToken)
    {
        var check = await verifier.CheckSignaturesAsync(parsed, cancellationToken);
        if (check.Status == PduCheckStatus.Accepted)
            return check.Pdu!;
        logger.LogInformation("Refused a membership event for {RoomId}: {Outcome}", parsed.RoomId, check);
        throw check.Failure?.Reason switch
        {
            PduFailureReason.ContentHashMismatch
                => MatrixException.BadJson("The event's content does not match its content hash."),
            _ => MatrixException.Forbidden($"The event's signatures could not be verified: {check.Failure?.Detail ?? check.Status.ToString()}."),
        };
    }

    private static void RequireShape(Pdu pdu, string eventId, string membership, ServerName origin)
    {
        if (pdu.EventId != eventId)
            throw MatrixException.BadJson($"The event's ID is {pdu.EventId}, not {eventId} as in the path.");
        if (pdu.Type != RoomEventTypes.Member || pdu.StateKey != pdu.Sender)
            throw MatrixException.BadJson("The event must be an m.room.member event whose state_key is its sender.");
        if (Pdu.StringOf(pdu.Content["membership"]) != membership)
            throw MatrixException.BadJson($"The event's membership must be '{membership}'.");
        if (!UserId.TryParse(pdu.Sender, out var sender) || !sender.IsFromServer(origin))
            throw MatrixException.Forbidden($"{pdu.Sender} is not a user of {origin}.");
    }

    // Check 4 on receipt, against the events it cites, which a template built here names from this
    // server's state: an event citing others is refused rather than fetched.
    private async Task RequireAuthorisedAsync(Pdu pdu, CancellationToken cancellationToken)
    {
        var wanted = pdu.AuthEventIds.ToList();
        if (pdu.Version.RoomIdFromCreateEvent && RoomId.TryParse(pdu.RoomId, out var roomId) && roomId.CreateEventId is { } create)
            wanted.Add(create.ToString());
        var stored = await events.GetEventsAsync(wanted, cancellationToken);
        var rejected = stored.Values.Where(e => e.RejectionReason is not null).Select(e => e.EventId).ToHashSet(StringComparer.Ordinal);
        var check = PduAuthEventsCheck.Check(pdu, [.. stored.Values.Select(e => e.ToPdu())], rejected);
        if (check.Status == PduCheckStatus.RetryLater)
            throw MatrixException.Forbidden($"The event cites auth events this server does not have: {string.Join(", ", check.WaitingFor.Take(5))}.");
        if (!check.Passed)
            throw MatrixException.Forbidden($"The auth rules refuse the event: {check.Failure?.Detail ?? check.Status.ToString()}.");
    }

    private async Task PersistAsync(RoomRecord room, Pdu pdu, CancellationToken cancellationToken)
    {
        ReceivedPersistResult result;
        try
        {
            result = await persistence.PersistReceivedAsync(new ReceivedPersistRequest(room.RoomId, room.Version.Id,
                [new ReceivedEvent(pdu.EventId, CanonicalJson.Encode(pdu.Json), SendOnBehalfOf: pdu.Sender[(pdu.Sender.IndexOf(':') + 1)..])]), cancellationToken);
        }
        catch (MissingPrevStateException e)
        {
            throw MatrixException.Forbidden($"The event is built on events this server does not have: {string.Join(", ", e.Missing.Take(5))}.");
        }
        var outcome = result.Events.Single(o => o.EventId == pdu.EventId);
        logger.LogInformation("{Membership} of {UserId} in {RoomId} received: {Status}", Pdu.StringOf(pdu.Content["membership"]),
            pdu.Sender, room.RoomId, outcome.Status);
        if (outcome.Status is ReceivedEventStatus.Rejected or ReceivedEventStatus.SoftFailed)
            throw MatrixException.Forbidden($"The event is not allowed in {room.RoomId}: {outcome.Reason ?? "it fails the auth rules against the room's current state"}.");
    }
}
