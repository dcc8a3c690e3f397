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
    /// Checks and persists one room's queued PDUs in order, and gives the outcome of each by
    /// position: <see cref="InboundPduOutcome.RetryLater"/> when it has no verdict yet (keys or auth
    /// events unavailable) and attempts are left; on the last attempt the verdict is given with what
    /// there is. A PDU that faults counts as an attempt without a verdict.
    /// The room, its server ACL and the events the PDUs name are read once for the batch (up to a
    /// server ACL event: the PDUs after it are checked against what it changed), and the PDUs that
    /// follow what is stored (or an earlier PDU of the batch) and need nothing fetched are persisted
    /// together in one transaction; the others one at a time, in their place. When the PDUs
    /// persisted together fail (a prev event stored without its state, a fault), each of them goes
    /// the one-at-a-time way, so one PDU never decides another's fate.
    /// </summary>
    public async Task<IReadOnlyList<InboundPduOutcome>> ProcessAsync(
        IReadOnlyList<QueuedPdu> batch, int maxAttempts, CancellationToken cancellationToken)
    {
        var outcomes = new InboundPduOutcome[batch.Count];
        if (batch.Count == 0)
            return outcomes;
        var roomId = batch[0].RoomId;
        if (batch.Any(q => q.RoomId != roomId))
            throw new ArgumentException("Every PDU of a batch must be of the same room.", nameof(batch));
        var room = await rooms.GetRoomAsync(roomId, cancellationToken);
        if (room is null)
            return outcomes;
        var acl = await acls.GetAsync(room.RoomId, cancellationToken);

        var verified = new List<VerifiedPdu>(batch.Count);
        var end = batch.Count;
        for (var i = 0; i < end; i++)
        {
            var lastAttempt = batch[i].Attempts + 1 >= maxAttempts;
            try
            {
                var (outcome, pdu) = await CheckAsync(batch[i], room, acl, lastAttempt, cancellationToken);
                outcomes[i] = outcome;
                if (pdu is not null)
                {
                    verified.Add(new VerifiedPdu(i, ServerName.Parse(batch[i].Origin), pdu, lastAttempt));
                    if (pdu.Type == RoomEventTypes.ServerAcl && pdu.StateKey == "")
                        end = i + 1;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                outcomes[i] = Fault(e, batch[i], maxAttempts);
            }
        }
        await PlaceAsync(room, batch, verified, outcomes, maxAttempts, cancellationToken);
        if (end < batch.Count)
        {
            var rest = await ProcessAsync([.. batch.Skip(end)], maxAttempts, cancellationToken);
            for (var i = 0; i < rest.Count; i++)
                outcomes[end + i] = rest[i];
        }
        return outcomes;
    }

    // Persists the PDUs that passed their own checks, in order: together while they follow what is known, else alone.
    private async Task PlaceAsync(
        RoomRecord room, IReadOnlyList<QueuedPdu> batch, List<VerifiedPdu> verified, InboundPduOutcome[] outcomes, int maxAttempts,
        CancellationToken cancellationToken)
    {
        if (verified.Count == 0)
            return;

        // One read for what the batch names: the PDUs themselves, their prev and auth events.
        var named = verified.SelectMany(v => AuthEventIdsOf(room, v.Pdu).Concat(v.Pdu.PrevEventIds).Append(v.Pdu.EventId))
            .ToHashSet(StringComparer.Ordinal);
        var known = await events.GetEventsAsync(named, cancellationToken);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var together = new List<PendingPdu>();
        foreach (var item in verified)
        {
            var (i, origin, pdu) = (item.Index, item.Origin, item.Pdu);
            try
            {
                if (known.ContainsKey(pdu.EventId) || placed.Contains(pdu.EventId))
                    continue;
                var follows = pdu.PrevEventIds.All(id => known.ContainsKey(id) || placed.Contains(id));
                // An auth event still waiting in the batch is stored first: whether it was rejected counts.
                if (!follows || AuthEventIdsOf(room, pdu).Any(id => together.Any(t => t.Pdu.EventId == id)))
                    await PersistTogetherAsync(room, together, outcomes, batch, maxAttempts, cancellationToken);
                if (!follows)
                {
                    outcomes[i] = await PersistAloneAsync(origin, room, pdu, item.LastAttempt, cancellationToken);
                    // Dropped or not, it is done with; what names it next fills the gap itself if it has to.
                    if (outcomes[i] == InboundPduOutcome.Done)
                        placed.Add(pdu.EventId);
                    continue;
                }
                var outliers = new List<Pdu>();
                var check = await AuthCheckAsync(origin, room, pdu, outliers, known, cancellationToken);
                if (check.Status == PduCheckStatus.RetryLater && !item.LastAttempt)
                {
                    logger.LogInformation("PDU {EventId} in {RoomId} waits for its auth events: {Outcome}", pdu.EventId, room.RoomId, check);
                    outcomes[i] = InboundPduOutcome.RetryLater;
                    continue;
                }
                placed.Add(pdu.EventId);
                together.Add(new PendingPdu(i, origin, pdu, outliers, check.Passed ? null : check.Failure?.ToString() ?? check.Status.ToString()));
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                outcomes[i] = Fault(e, batch[i], maxAttempts);
            }
        }
        await PersistTogetherAsync(room, together, outcomes, batch, maxAttempts, cancellationToken);
    }

    // The checks of a PDU on its own: the room's server ACL, signatures and hashes. The PDU when it
    // passed; else what to do with it.
    private async Task<(InboundPduOutcome Outcome, Pdu? Pdu)> CheckAsync(
        QueuedPdu queued, RoomRecord room, ServerAcl acl, bool lastAttempt, CancellationToken cancellationToken)
    {
        if (JsonNode.Parse(queued.Json) is not JsonObject json)
            return (InboundPduOutcome.Done, null);
        var origin = ServerName.Parse(queued.Origin);
        // The room's server ACL binds whoever sends into it, whatever the events say.
        if (!acl.Allows(origin))
        {
            logger.LogInformation("Dropped PDU {EventId} in {RoomId}: the room's server ACL denies {Origin}", queued.EventId, room.RoomId, origin);
            return (InboundPduOutcome.Done, null);
        }
        var check = await verifier.CheckAsync(json, room.Version, room.RoomId, cancellationToken);
        if (check.Status == PduCheckStatus.RetryLater && !lastAttempt)
        {
            logger.LogInformation("PDU {EventId} in {RoomId} from {Origin} waits: {Outcome}", queued.EventId, room.RoomId, origin, check);
            return (InboundPduOutcome.RetryLater, null);
        }
        if (!check.Passed)
        {
            logger.LogInformation("Dropped a PDU in {RoomId} from {Origin}: {Outcome}", room.RoomId, origin, check);
            return (InboundPduOutcome.Done, null);
        }
        return (InboundPduOutcome.Done, check.Pdu);
    }

    // A PDU whose prev events are not all known here: the gap before it is filled first.
    private async Task<InboundPduOutcome> PersistAloneAsync(ServerName origin, RoomRecord room, Pdu pdu, bool lastAttempt, CancellationToken cancellationToken)
    {
        await FillGapAsync(origin, room, pdu, cancellationToken);
        return await PersistAsync(origin, room, pdu, mayWait: !lastAttempt, cancellationToken);
    }

    // The PDUs gathered so far in one request (one transaction); on failure each on its own.
    private async Task PersistTogetherAsync(
        RoomRecord room, List<PendingPdu> together, InboundPduOutcome[] outcomes, IReadOnlyList<QueuedPdu> batch, int maxAttempts,
        CancellationToken cancellationToken)
    {
        if (together.Count == 0)
            return;
        try
        {
            var ids = together.Select(t => t.Pdu.EventId).ToHashSet(StringComparer.Ordinal);
            var outliers = together.SelectMany(t => t.Outliers).DistinctBy(o => o.EventId).Where(o => !ids.Contains(o.EventId))
                .Select(o => new ReceivedEvent(o.EventId, CanonicalJson.Encode(o.Json), Outlier: true));
            var placedEvents = together.Select(t => new ReceivedEvent(t.Pdu.EventId, CanonicalJson.Encode(t.Pdu.Json), RejectionReason: t.Rejection));
            await persistence.PersistReceivedAsync(new ReceivedPersistRequest(room.RoomId, room.Version.Id, [.. outliers, .. placedEvents]),
                cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("{Count} PDUs in {RoomId} could not be persisted together ({Reason}): one at a time",
                together.Count, room.RoomId, e.Message);
            foreach (var t in together)
            {
                try
                {
                    // An earlier one of them may have been dropped: its gap is this one's to fill.
                    await FillGapAsync(t.Origin, room, t.Pdu, cancellationToken);
                    outcomes[t.Index] = await StoreAsync(t.Origin, room, t.Pdu, t.Outliers, t.Rejection, cancellationToken);
                }
                catch (Exception fault) when (fault is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    outcomes[t.Index] = Fault(fault, batch[t.Index], maxAttempts);
                }
            }
        }
        together.Clear();
    }

    private InboundPduOutcome Fault(Exception e, QueuedPdu queued, int maxAttempts)
    {
        var attempt = queued.Attempts + 1;
        logger.LogWarning(e, "Inbound PDU {EventId} in {RoomId} from {Origin} could not be processed (attempt {Attempt} of {MaxAttempts})",
            queued.EventId, queued.RoomId, queued.Origin, attempt, maxAttempts);
        return attempt >= maxAttempts ? InboundPduOutcome.Done : InboundPduOutcome.RetryLater;
    }

    // The events the auth rules check the PDU against: its auth events, and the create event where the room ID names it.
    private static List<string> AuthEventIdsOf(RoomRecord room, Pdu pdu)
    {
        var wanted = pdu.AuthEventIds.ToList();
        if (room.Version.RoomIdFromCreateEvent && RoomId.TryParse(room.RoomId, out var parsedRoomId) && parsedRoomId.CreateEventId is { } createId)
            wanted.Add(createId.ToString());
        return wanted;
    }

    private sealed record VerifiedPdu(int Index, ServerName Origin, Pdu Pdu, bool LastAttempt);

    private sealed record PendingPdu(int Index, ServerName Origin, Pdu Pdu, List<Pdu> Outliers, string? Rejection);

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
        var check = await AuthCheckAsync(origin, room, pdu, outliers, null, cancellationToken);
        if (check.Status == PduCheckStatus.RetryLater && mayWait)
        {
            logger.LogInformation("PDU {EventId} in {RoomId} waits for its auth events: {Outcome}", pdu.EventId, room.RoomId, check);
            return InboundPduOutcome.RetryLater;
        }
        var rejection = check.Passed ? null : check.Failure?.ToString() ?? check.Status.ToString();
        return await StoreAsync(origin, room, pdu, outliers, rejection, cancellationToken);
    }

    // The persister places the event; when the state before it is unknown here, the origin's /state at it gives it.
    private async Task<InboundPduOutcome> StoreAsync(
        ServerName origin, RoomRecord room, Pdu pdu, IReadOnlyList<Pdu> outliers, string? rejection, CancellationToken cancellationToken)
    {
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
    // read: events already read for the batch, looked in first.
    private async Task<PduCheckResult> AuthCheckAsync(
        ServerName origin, RoomRecord room, Pdu pdu, List<Pdu> outliers, IReadOnlyDictionary<string, StoredEvent>? read,
        CancellationToken cancellationToken)
    {
        var wanted = AuthEventIdsOf(room, pdu);
        var stored = new Dictionary<string, StoredEvent>(StringComparer.Ordinal);
        foreach (var id in wanted)
            if (read is not null && read.TryGetValue(id, out var known))
                stored[id] = known;
        if (wanted.Any(id => !stored.ContainsKey(id)))
            foreach (var (id, e) in await events.GetEventsAsync([.. wanted.Where(id => !stored.ContainsKey(id))], cancellationToken))
                stored[id] = e;
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
