using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;

namespace Cluster.Shared.Storage.Events;

/// <summary>
/// History visibility (client-server spec, "Room History Visibility", server behaviour): whether a
/// user may see an event, judged by the room's state at that event. Batch-friendly: the state
/// lookups of one call are shared between events with the same state group.
/// </summary>
public sealed class EventVisibility(RoomStateStore state, RoomMembershipStore memberships, EventStore events)
{
    /// <summary>The events <paramref name="userId"/> may see, in the order given.</summary>
    public async Task<IReadOnlyList<StoredEvent>> FilterAsync(
        string userId, IReadOnlyList<StoredEvent> candidates, CancellationToken cancellationToken)
    {
        var visible = new List<StoredEvent>(candidates.Count);
        var groups = new Dictionary<long, (string? HistoryVisibility, string? Membership)>();
        var histories = new Dictionary<string, IReadOnlyList<MembershipRecord>>(StringComparer.Ordinal);
        foreach (var e in candidates)
        {
            if (await IsVisibleAsync(userId, e, groups, histories, cancellationToken))
                visible.Add(e);
        }
        return visible;
    }

    public async Task<bool> CanSeeAsync(string userId, StoredEvent e, CancellationToken cancellationToken) =>
        await IsVisibleAsync(userId, e, [], new Dictionary<string, IReadOnlyList<MembershipRecord>>(StringComparer.Ordinal), cancellationToken);

    private async Task<bool> IsVisibleAsync(
        string userId, StoredEvent e, Dictionary<long, (string? HistoryVisibility, string? Membership)> groups,
        Dictionary<string, IReadOnlyList<MembershipRecord>> histories, CancellationToken cancellationToken)
    {
        if (!e.IsInTimeline)
            return false;
        var group = await state.GetStateGroupBeforeEventAsync(e.EventId, cancellationToken);
        if (group is null)
            return false;
        if (!groups.TryGetValue(group.Value, out var before))
        {
            before = await ReadAsync(group.Value, userId, cancellationToken);
            groups[group.Value] = before;
        }
        var visibilityBefore = Normalise(before.HistoryVisibility);
        var membershipBefore = before.Membership;

        // The event's own effect counts too: a history visibility change is visible to those who
        // could see either side of it, and a user sees their own membership changes either side.
        var visibilityAfter = visibilityBefore;
        var membershipAfter = membershipBefore;
        var content = ContentOf(e);
        if (e.Type == RoomEventTypes.HistoryVisibility && e.StateKey == "")
            visibilityAfter = Normalise(StringOf(content?["history_visibility"]));
        if (e.Type == RoomEventTypes.Member && e.StateKey == userId)
            membershipAfter = e.Membership;

        if (visibilityBefore == HistoryVisibilityValues.WorldReadable || visibilityAfter == HistoryVisibilityValues.WorldReadable)
            return true;
        if (membershipBefore == MembershipStates.Join || membershipAfter == MembershipStates.Join)
            return true;
        if ((visibilityBefore == HistoryVisibilityValues.Invited || visibilityAfter == HistoryVisibilityValues.Invited)
            && (membershipBefore == MembershipStates.Invite || membershipAfter == MembershipStates.Invite))
            return true;
        if (visibilityBefore == HistoryVisibilityValues.Shared || visibilityAfter == HistoryVisibilityValues.Shared)
        {
            if (!histories.TryGetValue(e.RoomId, out var history))
            {
                history = await memberships.GetMembershipHistoryAsync(e.RoomId, userId, cancellationToken);
                histories[e.RoomId] = history;
            }
            // "The user joined the room at any point after the event was sent."
            foreach (var record in history)
                if (record.Membership == MembershipStates.Join && record.StreamOrdering >= e.StreamOrdering)
                    return true;
        }
        return false;
    }

    private async Task<(string? HistoryVisibility, string? Membership)> ReadAsync(long group, string userId, CancellationToken cancellationToken)
    {
        var ids = await state.GetStateIdsOfGroupAsync(group,
            [(RoomEventTypes.HistoryVisibility, ""), (RoomEventTypes.Member, userId)], cancellationToken);
        if (ids.Count == 0)
            return (null, null);
        var found = await events.GetEventsAsync([.. ids.Values], cancellationToken);
        string? visibility = null, membership = null;
        if (ids.TryGetValue((RoomEventTypes.HistoryVisibility, ""), out var hv) && found.TryGetValue(hv, out var hvEvent))
            visibility = StringOf(ContentOf(hvEvent)?["history_visibility"]);
        if (ids.TryGetValue((RoomEventTypes.Member, userId), out var member) && found.TryGetValue(member, out var memberEvent))
            membership = memberEvent.Membership;
        return (visibility, membership);
    }

    // history_visibility survives redaction, so reading the stored content is right either way.
    private static JsonObject? ContentOf(StoredEvent e) => e.ParseJson()["content"] as JsonObject;

    /// <summary>Absent or unknown values count as "shared" (spec).</summary>
    private static string Normalise(string? visibility) => visibility switch
    {
        HistoryVisibilityValues.WorldReadable or HistoryVisibilityValues.Invited or HistoryVisibilityValues.Joined => visibility,
        _ => HistoryVisibilityValues.Shared,
    };

    private static string? StringOf(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
