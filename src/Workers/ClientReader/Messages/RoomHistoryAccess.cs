using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.ClientReader.Messages;

/// <summary>How much of a room's history a user may page through before per-event visibility applies.</summary>
public sealed record HistoryAccess(bool Allowed, TopologicalPosition? UpTo)
{
    public static HistoryAccess Denied { get; } = new(false, null);
    public static HistoryAccess Unbounded { get; } = new(true, null);
}

/// <summary>
/// Who may page through a room (GET /messages answers 403 to "you aren't a member of the room"):
/// a member joined now, anyone while the room is world-readable, and someone who was joined once,
/// up to their latest membership event (their leave, kick or ban). Which events within that a user
/// sees is still decided event by event by <see cref="EventVisibility"/>; the bound only stops a
/// departed user's walk at the place where nothing more can be visible, so pagination ends there.
/// </summary>
public sealed class RoomHistoryAccess(RoomMembershipStore memberships, RoomStateStore state, EventStore events)
{
    public async Task<HistoryAccess> GetAsync(string roomId, string userId, CancellationToken cancellationToken)
    {
        var history = await memberships.GetMembershipHistoryAsync(roomId, userId, cancellationToken);
        var last = history.Count > 0 ? history[^1] : null;
        if (last?.Membership == MembershipStates.Join)
            return HistoryAccess.Unbounded;
        if (await IsWorldReadableAsync(roomId, cancellationToken))
            return HistoryAccess.Unbounded;
        if (last is null || !history.Any(h => h.Membership == MembershipStates.Join))
            return HistoryAccess.Denied;
        var departure = await events.GetEventAsync(last.EventId, cancellationToken);
        return departure is null ? HistoryAccess.Denied : new HistoryAccess(true, HistoryPositions.At(departure));
    }

    private async Task<bool> IsWorldReadableAsync(string roomId, CancellationToken cancellationToken)
    {
        var visibility = await state.GetCurrentStateEventAsync(roomId, RoomEventTypes.HistoryVisibility, "", cancellationToken);
        return visibility?.ParseJson()["content"] is JsonObject content
            && content["history_visibility"] is JsonValue value && value.TryGetValue<string>(out var text)
            && text == HistoryVisibilityValues.WorldReadable;
    }
}
