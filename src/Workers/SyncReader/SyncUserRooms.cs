using System.Collections.Concurrent;
using Cluster.Replication.Caches;
using Cluster.Replication.Streams;
using Cluster.Replication.Streams.Events;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// The rooms each user is joined to, invited to or knocking on, which every incremental /sync
/// starts from: read from PostgreSQL once, then kept until the events stream brings a
/// membership event of that user, which drops the entry (every sync reader follows the events
/// stream, so this holds on every process).
/// </summary>
/// <remarks>
/// Only these three memberships are kept: they are all an incremental sync reads of the list
/// (leaves come from the membership changes), and none of them can be forgotten, which changes
/// the database without an event. Initial and full-state syncs read the whole list from
/// PostgreSQL. An entry read while a membership row of anyone was being applied is returned but
/// not kept: it may predate that row.
/// </remarks>
public sealed class SyncUserRooms(RoomMembershipStore memberships)
{
    /// <summary>Most users kept; beyond it the cache starts again empty.</summary>
    public const int MaxUsers = 100_000;

    /// <summary>Its name in the <see cref="CacheMetrics"/>.</summary>
    public const string CacheName = "sync_user_rooms";

    private static readonly string[] Current = ["join", "invite", "knock"];

    private readonly ConcurrentDictionary<string, IReadOnlyList<MembershipRecord>> _rooms = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _generation;

    /// <summary>The user's joined, invited and knocked rooms, oldest membership first.</summary>
    public async Task<IReadOnlyList<MembershipRecord>> GetAsync(string userId, CancellationToken cancellationToken)
    {
        if (_rooms.TryGetValue(userId, out var rooms))
        {
            CacheMetrics.Hit(CacheName);
            return rooms;
        }
        CacheMetrics.Miss(CacheName);
        var generation = Volatile.Read(ref _generation);
        rooms = await memberships.GetRoomsForUserAsync(userId, Current, cancellationToken);
        lock (_lock)
        {
            if (_generation == generation)
            {
                if (_rooms.Count >= MaxUsers)
                    _rooms.Clear();
                _rooms[userId] = rooms;
            }
        }
        return rooms;
    }

    /// <summary>The events stream's consumer: a membership event drops its target's entry.</summary>
    public void Apply(StreamBatch<EventStreamRow> batch)
    {
        foreach (var row in batch.Rows)
        {
            if (row.Data is not { Membership: not null, StateKey: { } target })
                continue;
            lock (_lock)
            {
                _generation++;
                _rooms.TryRemove(target, out _);
            }
            CacheMetrics.Invalidated(CacheName);
        }
    }
}
