using System.Text.Json.Nodes;
using Cluster.Replication.Hosting;
using Cluster.Replication.Streams.AccountData;
using Cluster.Replication.Streams.Events;
using Cluster.Replication.Streams.PushRules;
using Cluster.Replication.Streams.Receipts;
using Cluster.Replication.Streams.ToDevice;
using Cluster.Replication.Streams.Typing;
using Cluster.Replication.Tokens;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// Builds /sync responses from the stores, bounded by the positions this process has applied
/// (the next_batch token), so a client never receives a row its token does not cover.
/// </summary>
public sealed class SyncResponseBuilder(
    StreamHost<EventStreamRow> events,
    RoomMembershipStore memberships,
    JoinedRoomBuilder joinedRooms,
    StrippedStateBuilder strippedState,
    TypingReader typing,
    ReceiptsReader receipts,
    AccountDataReader accountData,
    ToDeviceReader toDevice,
    PushRulesReader pushRules,
    SyncRoomActivity activity,
    SyncWakeups wakeups,
    SyncUserRooms userRooms)
{
    // The to-device position each device last acknowledged here: the delete is not repeated for
    // a token it already ran for (most syncs of a device repeat the last one's to-device field).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string User, string Device), StreamPositionVector> _acknowledged = new();

    /// <summary>The wake-up keys of a user: their own, and every room they are in, invited to or knocking on.</summary>
    public static IReadOnlyCollection<string> WakeKeys(string userId, IReadOnlyList<MembershipRecord> rooms) =>
        [SyncWakeups.UserKey(userId), .. rooms.Where(r => r.Membership is "join" or "invite" or "knock").Select(r => SyncWakeups.RoomKey(r.RoomId))];

    /// <summary>The wake-up keys of the user as of now (their kept room list).</summary>
    public async Task<IReadOnlyCollection<string>> WakeKeysAsync(string userId, CancellationToken ct) =>
        WakeKeys(userId, await userRooms.GetAsync(userId, ct));

    public async Task<SyncResponse> BuildAsync(SyncRequest request, CancellationToken ct)
    {
        var since = request.Since;
        var user = request.UserId;
        var device = request.Requester.DeviceId;
        // Read every stream's position before any of its rows, so rows that arrive meanwhile are
        // at worst sent twice, never skipped.
        var eventsNow = events.Follower.Positions;
        var typingNow = typing.Position;
        var receiptsNow = receipts.Position;
        var accountDataNow = accountData.Position;
        var pushRulesNow = pushRules.Position;
        var toDeviceNow = toDevice.Position;
        var previous = since ?? SyncToken.Start;
        // An incremental sync needs only the joined, invited and knocked rooms (kept in memory);
        // the others come from the membership changes.
        var incremental = since is not null && !request.FullState;
        // The rooms after the positions: a membership applied in between shows as a room whose
        // timeline ends before it, and as a change in the next response; read the other way
        // round, a join could fall between the two reads and never be sent. (The kept list
        // reflects every membership row applied before it is read.)
        var current = incremental
            ? await userRooms.GetAsync(user, ct)
            : await memberships.GetRoomsForUserAsync(user, null, ct);

        var roomFilter = request.Filter.RoomFilter;
        var join = new List<KeyValuePair<string, SyncRoom>>();
        var invite = new List<KeyValuePair<string, JsonNode>>();
        var leave = new List<KeyValuePair<string, SyncRoom>>();
        var knock = new List<KeyValuePair<string, JsonNode>>();
        var context = new RoomSyncContext(request, eventsNow, typingNow, receiptsNow, accountDataNow);

        // Nothing of the events stream moved: no membership changed and no room has new events.
        var eventsMoved = since is null || !eventsNow.IsBeforeOrEqual(since.Events);
        var changes = since is null || request.FullState || !eventsMoved || !wakeups.MayHaveMembershipChanges(user, since.Events)
            ? []
            : await memberships.GetMembershipChangesAsync(user, since.Events.ToStreamBound(), eventsNow.ToStreamBound(), ct);
        var changedRooms = changes.GroupBy(c => c.RoomId).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

        var joinedIds = current.Where(m => m.Membership == "join" && roomFilter.IncludesRoom(m.RoomId)).Select(m => m.RoomId).ToList();
        HashSet<string> candidates;
        if (since is null || request.FullState)
            candidates = [.. joinedIds];
        else
        {
            candidates = !eventsMoved ? []
                : [.. wakeups.RoomsWithEventsAfter(joinedIds, since.Events)
                      ?? await activity.RoomsWithEventsAsync(joinedIds, since.Events, eventsNow, ct)];
            candidates.UnionWith(typing.RoomsChangedSince(since.Typing, joinedIds));
            candidates.UnionWith(changedRooms.Keys.Where(joinedIds.Contains));
        }
        // Incremental: only the rooms, and only the user's account data, that the streams have
        // rows for since the token, as applied here (SyncWakeups); most syncs read neither.
        var receiptEvents = !incremental
            ? await receipts.GetLatestAsync(joinedIds, user, ct)
            : await receipts.GetBetweenAsync(
                [.. joinedIds.Where(r => wakeups.MayHaveRowsAfter(SyncStream.Receipts, SyncWakeups.RoomKey(r), since!.Receipts))],
                since!.Receipts, receiptsNow, user, ct);
        candidates.UnionWith(receiptEvents.Keys);
        var accountDataSet = !incremental
            ? await accountData.GetAllAsync(user, ct)
            : wakeups.MayHaveRowsAfter(SyncStream.AccountData, SyncWakeups.UserKey(user), since!.AccountData)
                ? await accountData.GetChangedAsync(user, since.AccountData, accountDataNow, ct)
                : AccountDataSet.Empty;
        candidates.UnionWith(accountDataSet.Rooms.Keys.Where(joinedIds.Contains));

        foreach (var roomId in candidates.Order(StringComparer.Ordinal))
        {
            var newlyJoined = since is not null && !request.FullState && changedRooms.TryGetValue(roomId, out var change)
                && change.Membership == "join" && !await WasJoinedAtAsync(roomId, user, since.Events, ct);
            var room = await joinedRooms.BuildJoinedAsync(context, roomId,
                current.FirstOrDefault(m => m.RoomId == roomId && m.Membership == "join"), newlyJoined,
                receiptEvents.GetValueOrDefault(roomId) ?? [], accountDataSet.Rooms.GetValueOrDefault(roomId) ?? [], ct);
            if (room is not null)
                join.Add(new(roomId, room));
        }

        // Invites, knocks and leaves: all current ones on an initial sync, those that changed since the token otherwise.
        IEnumerable<MembershipRecord> others = since is null || request.FullState
            ? current.Where(m => m.Membership != "join")
            : changedRooms.Values.Where(m => m.Membership != "join");
        foreach (var membership in others.Where(m => roomFilter.IncludesRoom(m.RoomId)))
        {
            switch (membership.Membership)
            {
                case "invite":
                    invite.Add(new(membership.RoomId, new JsonObject
                    {
                        ["invite_state"] = new JsonObject { ["events"] = await strippedState.BuildAsync(membership.RoomId, membership.EventId, ct) },
                    }));
                    break;
                case "knock":
                    knock.Add(new(membership.RoomId, new JsonObject
                    {
                        ["knock_state"] = new JsonObject { ["events"] = await strippedState.BuildAsync(membership.RoomId, membership.EventId, ct) },
                    }));
                    break;
                case "leave" or "ban" when since is not null || roomFilter.IncludeLeave:
                    if (await joinedRooms.BuildLeftAsync(context, membership, ct) is { } left)
                        leave.Add(new(membership.RoomId, left));
                    break;
            }
        }

        var globalAccountData = new List<JsonNode>();
        var accountDataFilter = request.Filter.AccountDataFilter;
        foreach (var entry in accountDataSet.Global.Where(e => accountDataFilter.Matches(e.Type, null)))
            globalAccountData.Add(entry.ToEvent());
        if ((!incremental
             || (wakeups.MayHaveRowsAfter(SyncStream.PushRules, SyncWakeups.UserKey(user), since!.PushRules)
                 && await pushRules.HasChangedAsync(user, since.PushRules, pushRulesNow, ct)))
            && accountDataFilter.Matches("m.push_rules", null))
            globalAccountData.Add(PushRulesReader.PushRulesEvent(await pushRules.GetRuleSetAsync(request.Requester.User, ct)));

        var toDeviceSince = previous.ToDevice;
        var toDeviceKey = SyncWakeups.UserKey(user);
        if (since is not null && (!_acknowledged.TryGetValue((user, device), out var acked) || acked != since.ToDevice))
        {
            // Rows up to the last acknowledgement are gone; past it, only rows the stream brought
            // for this user can be (the first sync of a device here deletes in any case).
            if (acked is null || wakeups.MayHaveRowsAfter(SyncStream.ToDevice, toDeviceKey, acked))
                await toDevice.DeleteAcknowledgedAsync(user, device, since.ToDevice, ct);
            _acknowledged[(user, device)] = since.ToDevice;
        }
        var toDeviceBatch = since is not null && !wakeups.MayHaveRowsAfter(SyncStream.ToDevice, toDeviceKey, toDeviceSince)
            ? new ToDeviceBatch([], StreamPositionVector.Max(toDeviceSince, toDeviceNow), Limited: false)
            : await toDevice.GetMessagesAsync(user, device, toDeviceSince, toDeviceNow, ToDeviceReader.DefaultLimit, ct);

        var next = new SyncToken(
            eventsNow, accountDataNow, receiptsNow, toDeviceBatch.Next, typingNow,
            previous.Presence, previous.DeviceLists, pushRulesNow);
        return new SyncResponse(next, join, invite, leave, knock, globalAccountData,
            [.. toDeviceBatch.Messages.Select(m => (JsonNode)m.ToEvent())], WakeKeys(user, current));
    }

    private async Task<bool> WasJoinedAtAsync(string roomId, string userId, StreamPositionVector at, CancellationToken ct)
    {
        var history = await memberships.GetMembershipHistoryAsync(roomId, userId, ct);
        var last = history.LastOrDefault(m => at.Covers(m.InstanceId, m.StreamOrdering));
        return last?.Membership == "join";
    }
}

/// <summary>What every room of one /sync response is built against.</summary>
public sealed record RoomSyncContext(
    SyncRequest Request, StreamPositionVector EventsNow, StreamPositionVector TypingNow, StreamPositionVector ReceiptsNow,
    StreamPositionVector AccountDataNow);
