using Cluster.Shared.Events;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.EventCreator.Building;

/// <summary>
/// Loads a room's <see cref="RoomContext"/>: its version, extremities and the state keys asked
/// for, from the room's kept snapshot when there is one (<see cref="RoomSnapshots"/>), else from storage.
/// </summary>
public sealed class RoomContextLoader(RoomStore rooms, RoomStateStore state, RoomSnapshots snapshots)
{
    /// <summary>
    /// The room, with the state at <paramref name="keys"/> plus the create event, power levels and
    /// join rules (every check needs them). Null when the room is unknown here.
    /// </summary>
    public async Task<RoomContext?> LoadAsync(
        string roomId, IEnumerable<(string Type, string StateKey)> keys, CancellationToken cancellationToken)
    {
        if (snapshots.Find(roomId) is { } kept)
        {
            await LoadMoreAsync(kept, keys, cancellationToken);
            return kept;
        }
        var room = await rooms.GetRoomAsync(roomId, cancellationToken);
        if (room is null)
            return null;
        var context = new RoomContext(room.Version, roomId);
        var extremities = await rooms.GetForwardExtremitiesAsync(roomId, EventBuilder.MaxPrevEvents, cancellationToken);
        foreach (var extremity in extremities)
            context.AddExtremity(new PrevEvent(extremity.EventId, extremity.Depth,
                System.Text.Json.Nodes.JsonNode.Parse(extremity.Json)!.AsObject()));
        HashSet<(string, string)> wanted =
        [
            (RoomEventTypes.Create, ""), (RoomEventTypes.PowerLevels, ""), (RoomEventTypes.JoinRules, ""), .. keys,
        ];
        await LoadMoreAsync(context, wanted, cancellationToken);
        snapshots.Keep(context);
        return context;
    }

    /// <summary>Adds the state at <paramref name="keys"/> that the context does not hold yet.</summary>
    public async Task LoadMoreAsync(RoomContext context, IEnumerable<(string Type, string StateKey)> keys, CancellationToken cancellationToken)
    {
        var missing = keys.Where(k => !context.IsKnown(k)).Distinct().ToArray();
        if (missing.Length == 0 || context.RoomId is not { } roomId)
            return;
        var found = await state.GetCurrentStateEventsAsync(roomId, missing, cancellationToken);
        foreach (var stored in found.Values)
            context.AddState(stored.ToPdu());
        foreach (var key in missing)
            context.AddAbsent(key);
    }
}
