using System.Collections.Concurrent;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.EventPersister;

/// <summary>
/// Per room, the event this persister wrote last (<see cref="RoomTip"/>), so the next event built
/// on it alone is written without reading the room first. An entry is read and changed under the
/// room's lock. An entry that is out of date costs one refused batch, never a wrong write: the
/// write checks the room's extremities itself. Bounded: past the limit it starts again, empty.
/// </summary>
public sealed class RoomTips
{
    public const int MaxRooms = 10_000;

    private readonly ConcurrentDictionary<string, RoomTip> _tips = new(StringComparer.Ordinal);

    public RoomTip? Of(string roomId) => _tips.GetValueOrDefault(roomId);

    public void Remember(RoomTip tip)
    {
        if (_tips.Count >= MaxRooms && !_tips.ContainsKey(tip.RoomId))
            _tips.Clear();
        _tips[tip.RoomId] = tip;
    }

    public void Forget(string roomId) => _tips.TryRemove(roomId, out _);
}
