using System.Text.Json.Nodes;
using Cluster.Shared.Events;

namespace Cluster.Shared.Storage.Events;

/// <summary>
/// History visibility for backfilled events (<see cref="BackfilledEventStore"/>), which have no
/// state this server could read: each carries the visibility judged for it when it was fetched.
/// They all precede this server's first event in the room, when no local user was in it, so only
/// two values can let a local user see one: <c>world_readable</c>, and <c>shared</c> for a user who
/// has joined the room (they joined after the event). <c>invited</c> and <c>joined</c> hide it. A
/// history visibility event counts its own value too, as <see cref="EventVisibility"/> does.
/// </summary>
public sealed class BackfilledEventVisibility(BackfilledEventStore backfilled, RoomMembershipStore memberships)
{
    /// <summary>The backfilled events among <paramref name="candidates"/> that <paramref name="userId"/> may see, in the order given.</summary>
    public async Task<IReadOnlyList<StoredEvent>> FilterAsync(string userId, IReadOnlyList<StoredEvent> candidates, CancellationToken cancellationToken)
    {
        if (candidates.Count == 0)
            return [];
        var judged = await backfilled.GetVisibilityAsync([.. candidates.Select(e => e.EventId)], cancellationToken);
        var joinedRooms = new Dictionary<string, bool>(StringComparer.Ordinal);
        var visible = new List<StoredEvent>();
        foreach (var e in candidates)
        {
            if (e.RejectionReason is not null || !judged.TryGetValue(e.EventId, out var before))
                continue;
            var own = e.Type == RoomEventTypes.HistoryVisibility && e.StateKey == "" ? OwnValue(e) : null;
            if (before == HistoryVisibilityValues.WorldReadable || own == HistoryVisibilityValues.WorldReadable)
                visible.Add(e);
            else if (before == HistoryVisibilityValues.Shared || own == HistoryVisibilityValues.Shared)
            {
                if (!joinedRooms.TryGetValue(e.RoomId, out var hasJoined))
                {
                    var history = await memberships.GetMembershipHistoryAsync(e.RoomId, userId, cancellationToken);
                    hasJoined = history.Any(h => h.Membership == MembershipStates.Join);
                    joinedRooms[e.RoomId] = hasJoined;
                }
                if (hasJoined)
                    visible.Add(e);
            }
        }
        return visible;
    }

    private static string? OwnValue(StoredEvent e) =>
        e.ParseJson()["content"] is JsonObject content && content["history_visibility"] is JsonValue v && v.TryGetValue<string>(out var text)
            ? text
            : null;
}
