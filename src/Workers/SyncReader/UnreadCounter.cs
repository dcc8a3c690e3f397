using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Replication.Streams.Events;
using Cluster.Replication.Streams.PushRules;
using Cluster.Replication.Streams.Receipts;
using Cluster.Replication.Tokens;
using Cluster.Shared.Auth;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Push;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// <c>unread_notifications</c> of a room: the events after the user's read receipt (or their
/// join, without one) that the user's push rules say notify, and how many of those highlight.
/// </summary>
/// <remarks>
/// Counted when the room is served, over at most <see cref="MaxCounted"/> events; a room with
/// more unread events than that reports that many. Stored per-event push actions (computed once
/// at persist time) would make this cheaper for large rooms; not built yet.
/// </remarks>
public sealed class UnreadCounter(
    ReceiptsReader receipts, EventStore events, RoomStateStore state, RoomMembershipStore memberships, PushRulesReader pushRules)
{
    public const int MaxCounted = 100;

    private static readonly (string Type, string StateKey)[] PowerKeys = [("m.room.create", ""), ("m.room.power_levels", "")];

    public async Task<JsonObject> CountAsync(UserId user, string roomId, StreamPositionVector upTo, CancellationToken ct)
    {
        var userId = user.ToString();
        var readUpTo = await ReadPositionAsync(userId, roomId, ct);
        var unread = await events.GetRoomEventsByStreamAsync(roomId, StreamBound.At(readUpTo), upTo.ToStreamBound(), MaxCounted, ct);
        var candidates = unread.Events.Where(e => e.Sender != userId).ToList();
        int notifications = 0, highlights = 0;
        if (candidates.Count > 0)
        {
            var rules = await pushRules.GetRuleSetAsync(user, ct);
            var roomState = await state.GetCurrentStateEventsAsync(roomId, [.. PowerKeys, ("m.room.member", userId)], ct);
            var create = roomState.GetValueOrDefault(("m.room.create", ""))?.ToPdu();
            var powerLevels = roomState.GetValueOrDefault(("m.room.power_levels", ""))?.ToPdu();
            var displayName = roomState.GetValueOrDefault(("m.room.member", userId))?.ParseJson()["content"]?["displayname"] is JsonValue name
                && name.TryGetValue<string>(out var text) ? text : null;
            var memberCount = (await memberships.GetCurrentMembersAsync(roomId, "join", ct)).Count;
            IReadOnlyDictionary<string, long>? notificationLevels = null;
            if (powerLevels is not null)
                notificationLevels = PushEventContext.NotificationLevelsFrom(JsonSerializer.SerializeToElement(powerLevels.Content));
            foreach (var e in candidates)
            {
                var senderLevel = create is null ? 0 : RoomPowerLevels.UserLevel(e.RoomVersion, create, powerLevels, e.Sender);
                using var document = JsonDocument.Parse(e.Json);
                var outcome = PushRuleEvaluator.Evaluate(rules,
                    new PushEventContext(document.RootElement, userId, displayName, memberCount, senderLevel, notificationLevels));
                if (outcome.Notify)
                    notifications++;
                if (outcome.Highlight)
                    highlights++;
            }
        }
        return new JsonObject { ["notification_count"] = notifications, ["highlight_count"] = highlights };
    }

    // The stream position the user has read up to: their newest receipt's event, else their join.
    private async Task<long> ReadPositionAsync(string userId, string roomId, CancellationToken ct)
    {
        var own = await receipts.GetOwnReceiptsAsync(userId, [roomId], ct);
        if (own.Count > 0)
        {
            var receipted = await events.GetEventsAsync([.. own.Select(r => r.EventId)], ct);
            if (receipted.Count > 0)
                return receipted.Values.Max(e => e.StreamOrdering);
        }
        var history = await memberships.GetMembershipHistoryAsync(roomId, userId, ct);
        return history.LastOrDefault(m => m.Membership == "join")?.StreamOrdering ?? 0;
    }
}
