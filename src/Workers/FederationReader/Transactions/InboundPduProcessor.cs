using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Acl;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Federation.Pdus;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Storage.Events;
using Cluster.Shared.Storage.Federation;
using Cluster.Workers.EventPersister;

namespace Cluster.Workers.FederationReader.Transactions;

/// <summary>What became of a queued PDU: done with (persisted, rejected or dropped), or to be tried again later.</summary>
public enum InboundPduOutcome
{
    Done,
    RetryLater,
}

/// <summary>
/// One queued PDU from checks to storage: signatures and hashes (<see cref="PduVerifier"/>), its
/// auth events (fetched from the origin when unknown, as outliers), the auth rules against them,
/// then the persister, which places it against the state before it and the current state. A gap
/// before it is filled first with <c>/get_missing_events</c> (a few events); when that is not
/// enough, the origin's <c>/state</c> at the event gives the state before it, so the room never
/// waits on history it cannot get.
/// </summary>
public sealed class InboundPduProcessor(
    RoomStore rooms, EventStore events, RoomServerAcls acls, PduVerifier verifier, IEventPersistence persistence, FederationClient federation,
    ILogger<InboundPduProcessor> logger)
{
    /// <summary>Most events one /get_missing_events asks for.</summary>
    public const int MissingEventsLimit = 10;

    /// <summary>Most events (state and auth chain) accepted from one /state answer.</summary>
    public const int MaxStateEvents = 20_000;

    /// <summary>
    /// Checks and persists the PDU, or gives up on it; <see cref="InboundPduOutcome.RetryLater"/> when
    /// it has no verdict yet (keys or auth events unavailable) and <paramref name="lastAttempt"/> is
    /// false. On the last attempt the verdict is given with what there is.
    /// </summary>
    public async Task<InboundPduOutcome> ProcessAsync(QueuedPdu queued, bool lastAttempt, CancellationToken cancellationToken)
    {
        var room = await rooms.GetRoomAsync(queued.RoomId, cancellationToken);
        if (room is null || JsonNode.Parse(queued.Json) is not JsonObject json)
            return InboundPduOutcome.Done;
        var origin = ServerName.Parse(queued.Origin);
        // The room's server ACL binds whoever sends into it, whatever the events say.
        if (!(await acls.GetAsync(room.RoomId, cancellationToken)).Allows(origin))
        {
            logger.LogInformation("Dropped PDU {EventId} in {RoomId}: the room's server ACL denies {Origin}", queued.EventId, room.RoomId, origin);
            return InboundPduOutcome.Done;
        }
        var check = await verifier.CheckAsync(json, room.Version, room.RoomId, cancellationToken);
        if (check.Status == PduCheckStatus.RetryLater && !lastAttempt)
        {
            logger.LogInformation("PDU {EventId} in {RoomId} from {Origin} waits: {Outcome}", queued.EventId, room.RoomId, origin, check);
            return InboundPduOutcome.RetryLater;
        }
        if (!check.Passed)
        {
            logger.LogInformation("Dropped a PDU in {RoomId} from {Origin}: {Outcome}", room.RoomId, origin, check);
            return InboundPduOutcome.Done;
        }
        var pdu = check.Pdu;
        if (await events.GetEventAsync(pdu.EventId, cancellationToken) is not null)
            return InboundPduOutcome.Done;
        await FillGapAsync(origin, room, pdu, cancellationToken);
        return await PersistAsync(origin, room, pdu, mayWait: !lastAttempt, cancellationToken);
    }

    private async Task<Pdu?> VerifyAsync(JsonObject json, RoomRecord room, string from, CancellationToken cancellationToken)
    {
        var check = await verifier.CheckAsync(json, room.Version, room.RoomId, cancellationToken);
        if (check.Passed)
            return check.Pdu;
        logger.LogInformation("Dropped a PDU in {RoomId} from {Origin}: {Outcome}", room.RoomId, from, check);
        return null;
    }

    // Prev events this server lacks: ask the origin for the events between our extremities and
    // this one, and persist those it returns, oldest first.
    private async Task FillGapAsync(ServerName origin, RoomRecord room, Pdu pdu, CancellationToken cancellationToken)
    {
        var known = await events.GetEventsAsync(pdu.PrevEventIds, cancellationToken);
        if (pdu.PrevEventIds.All(known.ContainsKey))
            return;
        var extremities = await rooms.GetForwardExtremitiesAsync(room.RoomId, 20, cancellationToken);
        var request = new JsonObject
        {
            ["limit"] = MissingEventsLimit,
            ["min_depth"] = 0,
            ["earliest_events"] = new JsonArray([.. extremities.Select(x => (JsonNode?)x.EventId)]),
            ["latest_events"] = new JsonArray(pdu.EventId),
        };
        var response = await TryAsync(origin, HttpMethod.Post, $"/_matrix/federation/v1/get_missing_events/{Uri.EscapeDataString(room.RoomId)}",
            request, cancellationToken);
        if (response?["events"] is not JsonArray returned)
            return;
        var missing = new List<Pdu>();
        foreach (var node in returned.Take(MissingEventsLimit))
            if (node is JsonObject evt && await VerifyAsync(evt, room, origin.ToString(), cancellationToken) is { } verified
                && verified.EventId != pdu.EventId)
                missing.Add(verified);
        foreach (var evt in missing.OrderBy(e => e.Depth))
            if (await events.GetEventAsync(evt.EventId, cancellationToken) is null)
                await PersistAsync(origin, room, evt, mayWait: false, cancellationToken);
    }

    // mayWait: an event whose auth events cannot be had yet is left for a later attempt rather than rejected.
    private async Task<InboundPduOutcome> PersistAsync(ServerName origin, RoomRecord room, Pdu pdu, bool mayWait, CancellationToken cancellationToken)
    {
        var outliers = new List<Pdu>();
        var check = await AuthCheckAsync(origin, room, pdu, outliers, cancellationToken);
        if (check.Status == PduCheckStatus.RetryLater && mayWait)
        {
            logger.LogInformation("PDU {EventId} in {RoomId} waits for its auth events: {Outcome}", pdu.EventId, room.RoomId, check);
            return InboundPduOutcome.RetryLater;
        }
        var rejection = check.Passed ? null : check.Failure?.ToString() ?? check.Status.ToString();
        try
        {
            await persistence.PersistReceivedAsync(Request(room, outliers, pdu, rejection, null), cancellationToken);
        }
        catch (MissingPrevStateException)
        {
            var state = await StateBeforeAsync(origin, room, pdu, cancellationToken);
            if (state is null)
            {
                logger.LogInformation("Dropped PDU {EventId} in {RoomId}: the state before it is unknown here and {Origin} did not give it",
                    pdu.EventId, room.RoomId, origin);
                return InboundPduOutcome.Done;
            }
            await persistence.PersistReceivedAsync(Request(room, [.. outliers, .. state.Value.Outliers], pdu, rejection, state.Value.State),
                cancellationToken);
        }
        return InboundPduOutcome.Done;
    }

    private static ReceivedPersistRequest Request(RoomRecord room, IReadOnlyList<Pdu> outliers, Pdu pdu, string? rejection,
        IReadOnlyList<StateEntry>? stateBefore) =>
        new(room.RoomId, room.Version.Id,
        [
            .. outliers.DistinctBy(o => o.EventId).Where(o => o.EventId != pdu.EventId)
                .Select(o => new ReceivedEvent(o.EventId, CanonicalJson.Encode(o.Json), Outlier: true)),
            new ReceivedEvent(pdu.EventId, CanonicalJson.Encode(pdu.Json), RejectionReason: rejection, StateBefore: stateBefore),
        ]);

    // Check 4: the auth rules against the event's own auth events. Auth events this server lacks
    // are fetched from the origin (and kept as outliers); those that cannot be had give RetryLater.
    private async Task<PduCheckResult> AuthCheckAsync(
        ServerName origin, RoomRecord room, Pdu pdu, List<Pdu> outliers, CancellationToken cancellationToken)
    {
        var wanted = pdu.AuthEventIds.ToList();
        if (room.Version.RoomIdFromCreateEvent && RoomId.TryParse(room.RoomId, out var parsedRoomId) && parsedRoomId.CreateEventId is { } createId)
            wanted.Add(createId.ToString());
        var stored = await events.GetEventsAsync(wanted, cancellationToken);
        var authEvents = stored.Values.Select(e => e.ToPdu()).ToList();
        var rejected = stored.Values.Where(e => e.RejectionReason is not null).Select(e => e.EventId).ToHashSet(StringComparer.Ordinal);
        foreach (var id in wanted.Where(id => !stored.ContainsKey(id)).Take(MissingEventsLimit))
        {
            var response = await TryAsync(origin, HttpMethod.Get, $"/_matrix/federation/v1/event/{Uri.EscapeDataString(id)}", null, cancellationToken);
            if ((response?["pdus"] as JsonArray)?.FirstOrDefault() is JsonObject evt
                && await VerifyAsync(evt, room, origin.ToString(), cancellationToken) is { } fetched && fetched.EventId == id)
            {
                authEvents.Add(fetched);
                outliers.Add(fetched);
            }
        }
        return PduAuthEventsCheck.Check(pdu, authEvents, rejected);
    }

    // The origin's state before the event (GET /state at it), every event checked; kept as outliers.
    private async Task<(IReadOnlyList<StateEntry> State, IReadOnlyList<Pdu> Outliers)?> StateBeforeAsync(
        ServerName origin, RoomRecord room, Pdu pdu, CancellationToken cancellationToken)
    {
        var response = await TryAsync(origin, HttpMethod.Get,
            $"/_matrix/federation/v1/state/{Uri.EscapeDataString(room.RoomId)}?event_id={Uri.EscapeDataString(pdu.EventId)}", null, cancellationToken);
        if (response?["pdus"] is not JsonArray statePdus || response["auth_chain"] is not JsonArray chain
            || statePdus.Count + chain.Count > MaxStateEvents)
            return null;
        var chainEvents = await VerifyAllAsync(chain, room, origin, cancellationToken);
        var stateEvents = await VerifyAllAsync(statePdus, room, origin, cancellationToken);
        var state = stateEvents.Where(e => e.StateKey is not null).Select(e => new StateEntry(e.Type, e.StateKey!, e.EventId)).ToList();
        if (!state.Any(s => s.Type == RoomEventTypes.Create && s.StateKey == ""))
            return null;
        var outliers = chainEvents.Concat(stateEvents).DistinctBy(e => e.EventId).ToList();
        var known = await events.GetEventsAsync([.. outliers.Select(o => o.EventId)], cancellationToken);
        return (state, [.. outliers.Where(o => !known.ContainsKey(o.EventId)).OrderBy(o => o.Depth)]);
    }

    private Task<List<Pdu>> VerifyAllAsync(JsonArray nodes, RoomRecord room, ServerName origin, CancellationToken cancellationToken) =>
        verifier.PassingAsync(nodes, room.Version, room.RoomId, cancellationToken,
            check => logger.LogInformation("Dropped a PDU in {RoomId} from {Origin}: {Outcome}", room.RoomId, origin, check));

    private async Task<JsonObject?> TryAsync(
        ServerName destination, HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        try
        {
            var response = await federation.SendAsync(destination, method, path, body, cancellationToken);
            if (response.IsSuccess)
                return response.Body as JsonObject;
            logger.LogInformation("{Destination} answered {Method} {Path} with {Status}", destination, method, path, response.Status);
        }
        catch (FederationRequestException e)
        {
            logger.LogInformation("{Destination} could not answer {Method} {Path}: {Reason}", destination, method, path, e.Message);
        }
        return null;
    }
}
