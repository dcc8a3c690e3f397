using System.Collections.Concurrent;

namespace Cluster.Workers.EventCreator.Building;

/// <summary>
/// The <see cref="RoomContext"/> of each room this creator last sent into, kept so the next send
/// needs no PostgreSQL round trip to find the room's version, extremities and auth state. A
/// snapshot may be stale (another creator, or a remote server, wrote the room since): events built
/// on it then name prev events that are no longer the room's extremities, the persister refuses
/// them, and <see cref="RoomEventSender"/>-style callers <see cref="Forget"/> the snapshot and load
/// afresh. Use a snapshot only under the room's send lock: it is mutable and not thread-safe.
/// </summary>
public sealed class RoomSnapshots
{
    /// <summary>Rooms kept at most; past it every snapshot is dropped (each costs a few KB: auth events and senders' members).</summary>
    public const int Capacity = 20_000;

    private readonly ConcurrentDictionary<string, RoomContext> _rooms = new(StringComparer.Ordinal);

    public RoomContext? Find(string roomId) => _rooms.GetValueOrDefault(roomId);

    public void Keep(RoomContext room)
    {
        if (room.RoomId is not { } roomId)
            return;
        if (_rooms.Count >= Capacity && !_rooms.ContainsKey(roomId))
            _rooms.Clear();
        _rooms[roomId] = room;
    }

    public void Forget(string roomId) => _rooms.TryRemove(roomId, out _);
}
