using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Federation.Pdus;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventPersister;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.ClientReader.Messages;

/// <summary>
/// Fetches the history of a room from before this server's first event in it (server-server
/// "Backfilling"), when a local user pages back to that point. The backward extremities are the
/// prev events of the room's earliest history that this server does not have; a server with
/// members in the room is asked for them (<c>/_matrix/federation/v1/backfill</c>), and what it
/// answers is checked like any received PDU (format, signatures, content hash) and against its
/// auth events (from the answer or stored), then stored as outliers through the room's persister
/// and marked backfilled (<see cref="BackfilledEventStore"/>), so /messages walks them by depth.
/// </summary>
/// <remarks>
/// This server has no state at those events, so the history visibility of each is judged from
/// the one in effect before the earliest event it had, walking back through the fetched events: a
/// history visibility change among them means the value before it is unknown, and everything older
/// counts as <c>joined</c> (hidden). A fork in the fetched history is judged as if it were a line.
/// The same backward extremities are asked for at most once per <see cref="RetryAfter"/>, so a
/// server that has nothing more (or is down) is not asked on every page a client requests.
/// </remarks>
public sealed class RoomBackfill(
    BackfilledEventStore backfilled, EventStore events, RoomStateStore state, RoomMembershipStore memberships,
    FederationClient federation, PduVerifier verifier, IEventPersistence persistence, IOptions<ClusterOptions> cluster,
    TimeProvider clock, ILogger<RoomBackfill> logger)
{
    /// <summary>Most servers of the room asked for one backfill.</summary>
    public const int MaxServersTried = 3;

    /// <summary>Most events asked for at once (servers cap /backfill at 100).</summary>
    public const int MaxEvents = 100;

    /// <summary>Most backward extremities named in one request.</summary>
    public const int MaxExtremities = 5;

    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>How many of the room's earliest events are looked at for prev events this server lacks.</summary>
    private const int EdgeEvents = 20;

    private const int MaxRemembered = 10_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _attempts = new(StringComparer.Ordinal);

    /// <summary>
    /// Fetches up to <paramref name="limit"/> events from before the room's earliest history, if it
    /// has a beginning this server lacks and another server to ask. Returns how many events joined
    /// the history; 0 when there was nothing to fetch or nobody could give it. Never throws for
    /// another server's failure.
    /// </summary>
    public async Task<int> BackfillAsync(string roomId, int limit, CancellationToken cancellationToken)
    {
        var earliest = await backfilled.GetEarliestAsync(roomId, EdgeEvents, cancellationToken);
        if (earliest.Count == 0)
            return 0;
        var prevs = earliest.SelectMany(e => e.ToPdu().PrevEventIds).Distinct(StringComparer.Ordinal).ToList();
        var present = await backfilled.InHistoryAsync(prevs, cancellationToken);
        var extremities = prevs.Where(p => !present.Contains(p)).Order(StringComparer.Ordinal).Take(MaxExtremities).ToList();
        if (extremities.Count == 0 || !TakeAttempt(roomId, extremities))
            return 0;
        var servers = await ServersToAskAsync(roomId, cancellationToken);
        if (servers.Count == 0)
            return 0;

        var version = earliest[0].RoomVersion;
        var child = earliest.First(e => e.ToPdu().PrevEventIds.Any(extremities.Contains));
        var visibilityAbove = await VisibilityBeforeAsync(child, cancellationToken);
        var count = Math.Clamp(limit, 1, MaxEvents);
        foreach (var server in servers)
        {
            var pdus = await AskAsync(server, roomId, extremities, count, cancellationToken);
            if (pdus is null)
                continue;
            var verified = await VerifyAsync(pdus, version, roomId, cancellationToken);
            if (verified.Count == 0)
                continue;
            int added;
            try
            {
                added = await StoreAsync(roomId, version, verified, visibilityAbove, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The page the client asked for is still served, without what could not be stored.
                logger.LogWarning(e, "Storing {Count} backfilled event(s) of {RoomId} failed", verified.Count, roomId);
                return 0;
            }
            logger.LogInformation("Backfilled {Count} event(s) of {RoomId} from {Server} ({Received} received, {Verified} verified)",
                added, roomId, server, pdus.Count, verified.Count);
            return added;
        }
        return 0;
    }

    private bool TakeAttempt(string roomId, IReadOnlyList<string> extremities)
    {
        var key = roomId + "|" + string.Join(",", extremities);
        var now = clock.GetUtcNow();
        if (_attempts.TryGetValue(key, out var last) && now - last < RetryAfter)
            return false;
        if (_attempts.Count >= MaxRemembered)
            _attempts.Clear();
        _attempts[key] = now;
        return true;
    }

    /// <summary>The other servers with members joined to the room, the most members first.</summary>
    private async Task<IReadOnlyList<ServerName>> ServersToAskAsync(string roomId, CancellationToken cancellationToken)
    {
        var members = await memberships.GetCurrentMembersAsync(roomId, MembershipStates.Join, cancellationToken);
        return [.. members
            .Select(m => UserId.TryParse(m.UserId, out var user) ? user.ServerName.ToString() : null)
            .OfType<string>()
            .Where(s => s != cluster.Value.ServerName)
            .GroupBy(s => s, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => ServerName.TryParse(g.Key, out var name) ? name : (ServerName?)null)
            .OfType<ServerName>()
            .Take(MaxServersTried)];
    }

    /// <summary>The history visibility before <paramref name="e"/>: from its state when it has one, else as judged when it was backfilled.</summary>
    private async Task<string> VisibilityBeforeAsync(StoredEvent e, CancellationToken cancellationToken)
    {
        if (!e.IsInTimeline)
            return (await backfilled.GetVisibilityAsync([e.EventId], cancellationToken)).GetValueOrDefault(e.EventId, HistoryVisibilityValues.Joined);
        var groups = await state.GetStateGroupsBeforeEventsAsync([e.EventId], cancellationToken);
        if (!groups.TryGetValue(e.EventId, out var group))
            return HistoryVisibilityValues.Joined;
        var ids = await state.GetStateIdsOfGroupAsync(group, [(RoomEventTypes.HistoryVisibility, "")], cancellationToken);
        if (!ids.TryGetValue((RoomEventTypes.HistoryVisibility, ""), out var id))
            return HistoryVisibilityValues.Shared;
        var visibility = await events.GetEventAsync(id, cancellationToken);
        return Normalise(visibility is null ? null : HistoryVisibilityOf(visibility.ParseJson()));
    }

    private async Task<List<JsonObject>?> AskAsync(
        ServerName server, string roomId, IReadOnlyList<string> extremities, int limit, CancellationToken cancellationToken)
    {
        var query = string.Join("&", extremities.Select(id => "v=" + Uri.EscapeDataString(id)));
        FederationResponse response;
        try
        {
            response = await federation.SendAsync(server, HttpMethod.Get,
                $"/_matrix/federation/v1/backfill/{Uri.EscapeDataString(roomId)}?{query}&limit={limit.ToString(CultureInfo.InvariantCulture)}",
                null, cancellationToken);
        }
        catch (FederationRequestException e)
        {
            logger.LogInformation("Backfilling {RoomId} from {Server} failed: {Reason}", roomId, server, e.Message);
            return null;
        }
        if (!response.IsSuccess || response.Body?["pdus"] is not JsonArray pdus)
        {
            logger.LogInformation("Backfilling {RoomId} from {Server} failed: it answered {Status}", roomId, server, response.Status);
            return null;
        }
        return [.. pdus.OfType<JsonObject>().Take(MaxEvents)];
    }

    /// <summary>
    /// The events that pass the checks on receipt and the auth rules against their auth events,
    /// earliest first. Events whose auth events are neither in the answer nor stored are left out.
    /// </summary>
    private async Task<List<Pdu>> VerifyAsync(List<JsonObject> received, RoomVersion version, string roomId, CancellationToken cancellationToken)
    {
        var checkedPdus = (await verifier.PassingAsync(received, version, roomId, cancellationToken))
            .DistinctBy(p => p.EventId).OrderBy(p => p.Depth).ToList();

        var pool = new Dictionary<string, Pdu>(StringComparer.Ordinal);
        var rejected = new HashSet<string>(StringComparer.Ordinal);
        var wanted = checkedPdus.SelectMany(p => p.AuthEventIds).Where(id => checkedPdus.All(c => c.EventId != id)).ToHashSet(StringComparer.Ordinal);
        if (await state.GetCurrentStateEventAsync(roomId, RoomEventTypes.Create, "", cancellationToken) is { } create)
            wanted.Add(create.EventId);
        foreach (var stored in (await events.GetEventsAsync([.. wanted], cancellationToken)).Values)
        {
            if (stored.RejectionReason is not null)
                rejected.Add(stored.EventId);
            pool[stored.EventId] = stored.ToPdu();
        }

        var passed = new List<Pdu>(checkedPdus.Count);
        foreach (var pdu in checkedPdus)
        {
            var verdict = PduAuthEventsCheck.Check(pdu, pool.Values, rejected);
            if (verdict.Status == PduCheckStatus.Accepted)
            {
                passed.Add(pdu);
                pool[pdu.EventId] = pdu;
            }
            else
            {
                rejected.Add(pdu.EventId);
                logger.LogInformation("Left out backfilled event {EventId} of {RoomId}: {Status} {Reason}",
                    pdu.EventId, roomId, verdict.Status, verdict.Failure?.Detail);
            }
        }
        return passed;
    }

    private async Task<int> StoreAsync(string roomId, RoomVersion version, List<Pdu> verified, string visibilityAbove, CancellationToken cancellationToken)
    {
        var before = await backfilled.InHistoryAsync([.. verified.Select(p => p.EventId)], cancellationToken);
        var fresh = verified.Where(p => !before.Contains(p.EventId)).ToList();
        if (fresh.Count == 0)
            return 0;
        var result = await persistence.PersistReceivedAsync(new ReceivedPersistRequest(roomId, version.Id,
            [.. fresh.Select(p => new ReceivedEvent(p.EventId, CanonicalJson.Encode(p.Json), Outlier: true))]), cancellationToken);
        var stored = result.Events
            .Where(o => o.Status is ReceivedEventStatus.Outlier or ReceivedEventStatus.AlreadyKnown)
            .Select(o => o.EventId).ToHashSet(StringComparer.Ordinal);

        // Newest first: each event's visibility is the one in effect after it, until a change is met.
        var judged = new List<(string EventId, string HistoryVisibility)>(fresh.Count);
        var current = visibilityAbove;
        foreach (var pdu in fresh.OrderByDescending(p => p.Depth))
        {
            if (pdu.Type == RoomEventTypes.HistoryVisibility && pdu.StateKey == "")
                current = HistoryVisibilityValues.Joined;
            if (stored.Contains(pdu.EventId))
                judged.Add((pdu.EventId, current));
        }
        await backfilled.MarkAsync(judged, cancellationToken);
        return judged.Count;
    }

    private static string? HistoryVisibilityOf(JsonObject json) =>
        json["content"] is JsonObject content && content["history_visibility"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    /// <summary>Absent or unknown values count as "shared" (spec).</summary>
    private static string Normalise(string? visibility) => visibility switch
    {
        HistoryVisibilityValues.WorldReadable or HistoryVisibilityValues.Invited or HistoryVisibilityValues.Joined => visibility,
        _ => HistoryVisibilityValues.Shared,
    };
}
