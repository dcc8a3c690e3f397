using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.FederationReader.Rooms;

/// <summary>The state of a room before an event, and the auth chain of that state.</summary>
public sealed record StateAtEvent(IReadOnlyList<string> StateIds, IReadOnlyList<string> AuthChainIds);

/// <summary>
/// What <c>/state</c> and <c>/state_ids</c> serve: the room's state before the event ("prior to
/// considering any state changes induced by the requested event", spec; Synapse alike) and the auth
/// chain of those state events (their auth events, recursively). The event must be an accepted event
/// of the room with known state (not an outlier), and one the asking server may see: the state of
/// history hidden from it is hidden too.
/// </summary>
public sealed class RoomStateAtEvent(
    FederationRoomAccess access, EventStore events, RoomStateStore state, EventGraphStore graph, ServerEventVisibility visibility)
{
    public async Task<StateAtEvent> GetAsync(string roomId, string eventId, ServerName origin, CancellationToken cancellationToken)
    {
        var room = await access.RequireAsync(roomId, origin, cancellationToken);
        var stored = await events.GetEventAsync(eventId, cancellationToken);
        if (stored is null || stored.RoomId != roomId || stored.RejectionReason is not null)
            throw MatrixException.NotFound($"Event {eventId} is not known in {roomId}.");
        var group = await state.GetStateGroupBeforeEventAsync(eventId, cancellationToken)
                    ?? throw MatrixException.NotFound($"The state at {eventId} is not known to this server.");
        if (!(await visibility.VisibleAsync(origin, [stored], cancellationToken)).Contains(eventId))
            throw MatrixException.Forbidden($"{origin} may not see {eventId}, so not the state at it either.");
        var stateIds = (await state.GetStateIdsOfGroupAsync(group, null, cancellationToken)).Values.ToList();
        var authChain = await graph.GetAuthChainIdsAsync(roomId, stateIds, cancellationToken);
        return new StateAtEvent(stateIds, WithImplicitCreateEvent(room, authChain));
    }

    // From room version 12 the create event is every other event's auth event without being listed
    // in auth_events (the room ID is its hash), so the stored auth edges never reach it.
    private static IReadOnlyList<string> WithImplicitCreateEvent(RoomRecord room, IReadOnlyList<string> authChain)
    {
        if (!room.Version.RoomIdFromCreateEvent || authChain.Count == 0
            || !RoomId.TryParse(room.RoomId, out var roomId) || roomId.CreateEventId is not { } create)
            return authChain;
        var createId = create.ToString();
        return authChain.Contains(createId) ? authChain : [.. authChain, createId];
    }
}
