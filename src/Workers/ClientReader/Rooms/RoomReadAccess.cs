using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.ClientReader.Rooms;

/// <summary>
/// Which state of a room a user may read: the current state while joined (or while the room is
/// world-readable); the state when they left, once they were members and left, were kicked or
/// banned; nothing otherwise (spec: GET /state, /members answer 403 to someone who "isn't a
/// member of the room and wasn't previously a member").
/// </summary>
public sealed class RoomReadAccess(RoomStateStore state, RoomMembershipStore memberships, EventStore events)
{
    /// <summary>Current state, or the state after <see cref="LeftAt"/>.</summary>
    public sealed record StateView(StoredEvent? LeftAt, bool IsJoined)
    {
        public bool IsCurrent => LeftAt is null;
    }

    /// <exception cref="MatrixException">403 M_FORBIDDEN when the user may not read the room.</exception>
    public async Task<StateView> ForStateAsync(string roomId, string userId, CancellationToken cancellationToken)
    {
        var history = await memberships.GetMembershipHistoryAsync(roomId, userId, cancellationToken);
        var last = history.Count > 0 ? history[^1] : null;
        if (last?.Membership == MembershipStates.Join)
            return new StateView(null, IsJoined: true);
        if (last?.Membership is MembershipStates.Leave or MembershipStates.Ban && history.Any(h => h.Membership == MembershipStates.Join))
        {
            var leave = await events.GetEventAsync(last.EventId, cancellationToken);
            if (leave is not null)
                return new StateView(leave, IsJoined: false);
        }
        if (await IsWorldReadableAsync(roomId, cancellationToken))
            return new StateView(null, IsJoined: false);
        throw MatrixException.Forbidden($"You are not a member of room {roomId}.");
    }

    /// <summary>The state the view shows, as (type, state_key) → event ID.</summary>
    public async Task<IReadOnlyDictionary<(string Type, string StateKey), string>> StateIdsAsync(
        string roomId, StateView view, CancellationToken cancellationToken)
    {
        if (view.LeftAt is { } leave)
            return await state.GetStateIdsAfterEventAsync(leave, null, cancellationToken)
                ?? new Dictionary<(string Type, string StateKey), string>();
        var current = await state.GetCurrentStateIdsAsync(roomId, cancellationToken);
        return current.ToDictionary(e => (e.Type, e.StateKey), e => e.EventId);
    }

    /// <exception cref="MatrixException">403 M_FORBIDDEN unless the user is joined now (or the room is world-readable and that is allowed).</exception>
    public async Task RequireJoinedAsync(string roomId, string userId, bool orWorldReadable, CancellationToken cancellationToken)
    {
        var member = await state.GetCurrentStateEventAsync(roomId, RoomEventTypes.Member, userId, cancellationToken);
        if (member?.Membership == MembershipStates.Join)
            return;
        if (orWorldReadable && await IsWorldReadableAsync(roomId, cancellationToken))
            return;
        throw MatrixException.Forbidden($"You are not in room {roomId}.");
    }

    private async Task<bool> IsWorldReadableAsync(string roomId, CancellationToken cancellationToken)
    {
        var visibility = await state.GetCurrentStateEventAsync(roomId, RoomEventTypes.HistoryVisibility, "", cancellationToken);
        return visibility?.ParseJson()["content"] is JsonObject content
            && content["history_visibility"] is JsonValue value && value.TryGetValue<string>(out var text)
            && text == HistoryVisibilityValues.WorldReadable;
    }
}
