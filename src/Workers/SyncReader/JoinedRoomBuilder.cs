using System.Text.Json.Nodes;
using Cluster.Replication.Streams.AccountData;
using Cluster.Replication.Streams.Events;
using Cluster.Replication.Streams.Typing;
using Cluster.Replication.Tokens;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.ClientReader.Filters;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// One room of a /sync response: timeline (with <c>limited</c> and <c>prev_batch</c>), the state
/// the client needs before the timeline, ephemeral events, room account data, unread counts and
/// the summary.
/// </summary>
/// <remarks>
/// <c>prev_batch</c> is the topological token just before the timeline's first event
/// (<c>t{depth}-{stream - 1}</c>), so paginating back with /messages returns every earlier event
/// exactly once and nothing already in the timeline.
/// </remarks>
public sealed class JoinedRoomBuilder(
    EventStore events,
    RoomStateStore state,
    RoomMembershipStore memberships,
    EventVisibility visibility,
    ClientEventSerializer serializer,
    TypingReader typing,
    UnreadCounter unread,
    RecentRoomEvents recent)
{
    /// <summary>A joined room, or null when nothing of it is new for this response.</summary>
    public async Task<SyncRoom?> BuildJoinedAsync(
        RoomSyncContext context, string roomId, MembershipRecord? join, bool newlyJoined, IReadOnlyList<JsonObject> receipts,
        IReadOnlyList<AccountDataEntry> roomAccountData, CancellationToken ct)
    {
        var request = context.Request;
        var since = request.Since;
        var incremental = since is not null && !newlyJoined;
        // From here on the room's new events are kept for the next syncs of its members.
        recent.Want(roomId);
        var timelineSince = incremental ? since!.Events.ToStreamBound() : null;
        var (timeline, prevBatch) = await TimelineAsync(context, roomId, timelineSince, context.EventsNow.ToStreamBound(), ct, join,
            recentSince: incremental ? since!.Events : null);
        var fullStateWanted = !incremental || request.FullState;
        var stateEvents = fullStateWanted
            ? await StateAtTimelineStartAsync(roomId, timeline.Events, context.EventsNow.ToStreamBound(), ct)
            : timeline.Limited ? await StateDeltaAsync(roomId, timeline.Events, since!.Events.ToStreamBound(), context.EventsNow.ToStreamBound(), ct) : [];
        if (request.Filter.RoomFilter.StateFilter.LazyLoadMembers)
            stateEvents = await LazyLoadMembersAsync(request.UserId, roomId, stateEvents, timeline.Events, context.EventsNow.ToStreamBound(), ct);

        var ephemeral = new List<JsonNode>();
        var ephemeralFilter = request.Filter.RoomFilter.EphemeralFilter;
        var typingChanged = !incremental || typing.RoomsChangedSince(since!.Typing, [roomId]).Count > 0;
        if (typingChanged && ephemeralFilter.Matches(roomId, "m.typing", null, false)
            && (incremental || typing.TypingUsers(roomId).Count > 0))
            ephemeral.Add(typing.TypingEvent(roomId));
        if (ephemeralFilter.Matches(roomId, "m.receipt", null, false))
            foreach (var receipt in receipts)
                ephemeral.Add(receipt);
        var accountDataFilter = request.Filter.RoomFilter.AccountDataFilter;
        List<JsonNode> accountData = [.. roomAccountData.Where(e => accountDataFilter.Matches(roomId, e.Type, null, false)).Select(e => e.ToEvent())];

        if (incremental && !request.FullState && timeline.Events.Count == 0 && stateEvents.Count == 0
            && ephemeral.Count == 0 && accountData.Count == 0)
            return null;

        var timelineJson = await SerializeAsync(request, roomId, timeline.Events, request.Filter.RoomFilter.TimelineFilter, ct);
        var stateJson = await SerializeAsync(request, roomId, stateEvents, request.Filter.RoomFilter.StateFilter, ct);
        // The counts and the summary may be left out when unchanged (clients keep the last
        // ones): counts move only with new events or receipts, the summary with member events.
        var unreadCounts = !incremental || request.FullState || timeline.Events.Count > 0 || receipts.Count > 0
            ? await unread.CountAsync(request.Requester.User, roomId, context.EventsNow, ct)
            : null;
        var summary = !incremental || request.FullState || timeline.Events.Concat(stateEvents).Any(e => e.Type == "m.room.member")
            ? await SummaryAsync(roomId, ct)
            : null;
        return new SyncRoom(timelineJson, timeline.Limited, prevBatch, stateJson, ephemeral, accountData, unreadCounts, summary);
    }

    /// <summary>A room the user left (or was kicked or banned from): its timeline up to the leave.</summary>
    public async Task<SyncRoom?> BuildLeftAsync(RoomSyncContext context, MembershipRecord membership, CancellationToken ct)
    {
        var request = context.Request;
        var since = request.Since;
        var upTo = new StreamBound(membership.StreamOrdering, []);
        var timelineSince = since is not null && !request.FullState ? since.Events.ToStreamBound() : null;
        if (timelineSince is not null && timelineSince.Covers(membership.InstanceId, membership.StreamOrdering))
            return null;
        var (timeline, prevBatch) = await TimelineAsync(context, membership.RoomId, timelineSince, upTo, ct);
        var stateEvents = timelineSince is null
            ? await StateAtTimelineStartAsync(membership.RoomId, timeline.Events, upTo, ct)
            : timeline.Limited ? await StateDeltaAsync(membership.RoomId, timeline.Events, timelineSince, upTo, ct) : [];
        return new SyncRoom(
            await SerializeAsync(request, membership.RoomId, timeline.Events, request.Filter.RoomFilter.TimelineFilter, ct),
            timeline.Limited, prevBatch,
            await SerializeAsync(request, membership.RoomId, stateEvents, request.Filter.RoomFilter.StateFilter, ct),
            Ephemeral: null, AccountData: []);
    }

    /// <param name="recentSince">
    /// The token's events position when the timeline runs from it up to the response's position:
    /// the range may then be held by <see cref="RecentRoomEvents"/>, which spares PostgreSQL.
    /// </param>
    private async Task<(RoomEventsSlice Timeline, string PrevBatch)> TimelineAsync(
        RoomSyncContext context, string roomId, StreamBound? after, StreamBound upTo, CancellationToken ct,
        MembershipRecord? currentJoin = null, StreamPositionVector? recentSince = null)
    {
        var limit = context.Request.Filter.TimelineLimit();
        var slice = (recentSince is null ? null : await recent.TryGetTimelineAsync(roomId, recentSince, context.EventsNow, limit, ct))
            ?? await events.GetRoomEventsByStreamAsync(roomId, after, upTo, limit, ct);
        // The user has been joined without a break since their current join event, so they see
        // everything from it on whatever the history visibility; only earlier events need the check.
        var seenAsMember = currentJoin is null ? 0 : slice.Events.Count(e => e.StreamOrdering >= currentJoin.StreamOrdering);
        var visible = seenAsMember == slice.Events.Count
            ? slice.Events
            : [.. await visibility.FilterAsync(context.Request.UserId, [.. slice.Events.Where(e => currentJoin is null || e.StreamOrdering < currentJoin.StreamOrdering)], ct),
               .. slice.Events.Where(e => currentJoin is not null && e.StreamOrdering >= currentJoin.StreamOrdering)];
        // Events hidden by history visibility sit before what the user may see: the timeline is
        // then limited at its visible start, and pagination from prev_batch finds nothing more.
        var limited = slice.Limited || visible.Count < slice.Events.Count;
        string prevBatch;
        if (visible.Count > 0)
            prevBatch = new TopologicalRoomStreamToken(visible[0].TopologicalOrdering, visible[0].StreamOrdering - 1).ToString();
        else if (((recentSince is null ? null : await recent.TryGetLatestAsync(roomId, context.EventsNow, ct))
                  ?? await events.GetLatestRoomEventAsync(roomId, upTo, ct)) is { } latest)
            prevBatch = new TopologicalRoomStreamToken(latest.TopologicalOrdering, latest.StreamOrdering).ToString();
        else
            prevBatch = new TopologicalRoomStreamToken(0, 0).ToString();
        return (new RoomEventsSlice(visible, limited), prevBatch);
    }

    private async Task<IReadOnlyList<StoredEvent>> StateAtTimelineStartAsync(
        string roomId, IReadOnlyList<StoredEvent> timeline, StreamBound upTo, CancellationToken ct)
    {
        var ids = await StateIdsAtStartAsync(roomId, timeline, upTo, ct);
        return ids is null ? [] : await state.GetStateEventsAsync(ids, ct);
    }

    private async Task<IReadOnlyList<StoredEvent>> StateDeltaAsync(
        string roomId, IReadOnlyList<StoredEvent> timeline, StreamBound since, StreamBound upTo, CancellationToken ct)
    {
        var atStart = await StateIdsAtStartAsync(roomId, timeline, upTo, ct);
        if (atStart is null)
            return [];
        var previous = await events.GetLatestRoomEventAsync(roomId, since, ct) is { } before
            ? await state.GetStateIdsAfterEventAsync(before, null, ct)
            : null;
        var changed = atStart
            .Where(kv => previous is null || !previous.TryGetValue(kv.Key, out var old) || old != kv.Value)
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        return await state.GetStateEventsAsync(changed, ct);
    }

    // The state before the timeline's first event; with no timeline, the state after the room's
    // newest event at or before the response's position.
    private async Task<IReadOnlyDictionary<(string Type, string StateKey), string>?> StateIdsAtStartAsync(
        string roomId, IReadOnlyList<StoredEvent> timeline, StreamBound upTo, CancellationToken ct)
    {
        if (timeline.Count > 0)
            return await state.GetStateIdsBeforeEventAsync(timeline[0].EventId, null, ct);
        return await events.GetLatestRoomEventAsync(roomId, upTo, ct) is { } latest
            ? await state.GetStateIdsAfterEventAsync(latest, null, ct)
            : null;
    }

    /// <summary>
    /// Lazy-loaded members: of the member events, only those of the timeline's senders (and the
    /// user's own), taken from the state at the timeline's start, so the client can name every
    /// sender it shows. They may repeat what an earlier sync sent; the spec allows that.
    /// </summary>
    private async Task<IReadOnlyList<StoredEvent>> LazyLoadMembersAsync(
        string userId, string roomId, IReadOnlyList<StoredEvent> stateEvents, IReadOnlyList<StoredEvent> timeline,
        StreamBound upTo, CancellationToken ct)
    {
        var senders = timeline.Select(e => e.Sender).Append(userId).ToHashSet(StringComparer.Ordinal);
        var kept = stateEvents.Where(e => e.Type != "m.room.member").ToList();
        var atStart = await StateIdsAtStartAsync(roomId, timeline, upTo, ct);
        if (atStart is not null)
        {
            var memberIds = atStart.Where(kv => kv.Key.Type == "m.room.member" && senders.Contains(kv.Key.StateKey))
                .ToDictionary(kv => kv.Key, kv => kv.Value);
            kept.AddRange(await state.GetStateEventsAsync(memberIds, ct));
        }
        return kept;
    }

    private async Task<IReadOnlyList<JsonNode>> SerializeAsync(
        SyncRequest request, string roomId, IReadOnlyList<StoredEvent> stored, RoomEventFilter filter, CancellationToken ct)
    {
        // contains_url needs the event's content: parse it only for filters that ask.
        var passing = stored.Where(e => filter.Matches(roomId, e.Type, e.Sender, filter.ContainsUrl is not null && HasUrl(e))).ToList();
        var serialized = await serializer.SerializeAsync(passing, request.UserId, request.Requester.DeviceId, ct);
        return [.. serialized.Select(e => (JsonNode)request.Filter.ApplyEventFields(e))];
    }

    private static bool HasUrl(StoredEvent e) =>
        e.ParseJson()["content"] is JsonObject content && content["url"] is JsonValue url && url.TryGetValue<string>(out _);

    private async Task<JsonObject> SummaryAsync(string roomId, CancellationToken ct)
    {
        var members = await memberships.GetCurrentMembersAsync(roomId, null, ct);
        var joined = members.Count(m => m.Membership == "join");
        var invited = members.Count(m => m.Membership == "invite");
        return new JsonObject
        {
            ["m.joined_member_count"] = joined,
            ["m.invited_member_count"] = invited,
        };
    }
}
