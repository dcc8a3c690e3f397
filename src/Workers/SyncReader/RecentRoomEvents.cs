using System.Collections.Concurrent;
using Cluster.Replication.Caches;
using Cluster.Replication.Streams;
using Cluster.Replication.Streams.Events;
using Cluster.Replication.Tokens;
using Cluster.Shared.Events;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// The newest events of the rooms this process serves syncs for, as the events stream brings
/// them, so that the incremental syncs a message wakes (one per member of its room) read its
/// timeline from memory: the first of them loads the event from PostgreSQL and the others find
/// it loaded.
/// </summary>
/// <remarks>
/// A room gets a log the first time a sync asks for it (<see cref="Want"/>); from then on the
/// log keeps the room's last <see cref="RowsPerRoom"/> stream rows (event ID, writer, position)
/// in the order applied. Rows applied before the log existed, and rows it has dropped, are below
/// its <c>Dropped</c> vector; every row applied after goes through <see cref="Apply"/>. So a
/// range whose lower bound covers both that vector and <see cref="Start"/>'s position (below
/// which rows were never applied here) is answered from the log, anything older from
/// PostgreSQL. The events themselves are loaded when first asked for; a redaction in the room
/// unloads the room's events, since a loaded event does not know it was redacted. At most about
/// <see cref="MaxLoadedEvents"/> events stay loaded: beyond that the rooms read least recently
/// are unloaded.
/// </remarks>
public sealed class RecentRoomEvents(EventStore events)
{
    /// <summary>Its name in the <see cref="CacheMetrics"/>: a hit is a timeline answered from memory, a miss one read from PostgreSQL.</summary>
    public const string CacheName = "sync_recent_events";

    public const int RowsPerRoom = 32;
    public const int MaxLoadedEvents = 20_000;

    private readonly ConcurrentDictionary<string, RoomLog> _rooms = new(StringComparer.Ordinal);
    private readonly Lock _evicting = new();
    // Held by Apply for a whole batch, and by Want: a log is created between two batches, with
    // every row applied so far below its Dropped vector.
    private readonly Lock _applying = new();
    private StreamPositionVector _applied = StreamPositionVector.Zero;
    private volatile StreamPositionVector? _complete;
    private int _loaded;

    /// <summary>From here on every row passes <see cref="Apply"/>: the follower's position once the events stream has started.</summary>
    public void Start(StreamPositionVector complete) => _complete = complete;

    /// <summary>The events stream's consumer. Never throws: a row missed here would be a hole in a room's log.</summary>
    public void Apply(StreamBatch<EventStreamRow> batch)
    {
        var unloaded = 0;
        lock (_applying)
        {
            foreach (var row in batch.Rows)
            {
                if (_rooms.TryGetValue(row.Data.RoomId, out var log))
                    lock (log)
                        unloaded += log.Append(row.WriterId, row.Position, row.Data);
            }
            _applied = _applied.WithAdvanced(batch.WriterId, batch.Position);
        }
        if (unloaded > 0)
            Interlocked.Add(ref _loaded, -unloaded);
    }

    /// <summary>Starts keeping the room's events (syncs from tokens minted after this are served from memory).</summary>
    public void Want(string roomId)
    {
        if (_complete is not { } complete || _rooms.ContainsKey(roomId))
            return;
        // Below its floor the log holds nothing: every row applied so far, and every row before
        // the follower's start (never applied here), of each writer. A writer with no row applied
        // yet is at its start position, not at zero: otherwise a row another writer persisted
        // before the start could be taken for one the log would hold.
        lock (_applying)
            _rooms.TryAdd(roomId, new RoomLog(StreamPositionVector.Max(_applied, complete)));
    }

    /// <summary>
    /// The room's timeline events that <paramref name="upTo"/> covers and <paramref name="after"/>
    /// does not, oldest first: the newest <paramref name="limit"/>, and whether more lay in the
    /// range. Null when this process does not hold the whole range (the caller asks PostgreSQL).
    /// <paramref name="upTo"/> must not be ahead of what the events stream has applied here.
    /// </summary>
    public async Task<RoomEventsSlice?> TryGetTimelineAsync(
        string roomId, StreamPositionVector after, StreamPositionVector upTo, int limit, CancellationToken ct)
    {
        var range = await TryGetRangeAsync(roomId, after, upTo, ct);
        if (range is null)
        {
            CacheMetrics.Miss(CacheName);
            return null;
        }
        CacheMetrics.Hit(CacheName);
        return range.Count > limit ? new RoomEventsSlice([.. range.Skip(range.Count - limit)], Limited: true) : new RoomEventsSlice(range, Limited: false);
    }

    /// <summary>Every timeline event of the room in (<paramref name="after"/>, <paramref name="upTo"/>], oldest first; null when not held here.</summary>
    public async Task<IReadOnlyList<StoredEvent>?> TryGetRangeAsync(
        string roomId, StreamPositionVector after, StreamPositionVector upTo, CancellationToken ct)
    {
        if (_complete is not { } complete || !complete.IsBeforeOrEqual(after))
            return null;
        if (!_rooms.TryGetValue(roomId, out var log))
        {
            Want(roomId);
            return null;
        }
        List<Slot> slots;
        lock (log)
        {
            if (!log.Dropped.IsBeforeOrEqual(after))
                return null;
            slots = log.Matching(s => upTo.Covers(s.Writer, s.Position) && !after.Covers(s.Writer, s.Position));
        }
        var loaded = await LoadAsync(log, slots, ct);
        if (loaded is null)
            return null;
        return [.. loaded.Where(e => e.IsInTimeline).OrderBy(e => e.StreamOrdering)];
    }

    /// <summary>
    /// The room's newest timeline event at or before <paramref name="upTo"/> (for prev_batch when
    /// a timeline is empty); null when it is not among the rows held here.
    /// </summary>
    public async Task<StoredEvent?> TryGetLatestAsync(string roomId, StreamPositionVector upTo, CancellationToken ct)
    {
        if (_complete is null || !_rooms.TryGetValue(roomId, out var log))
        {
            Want(roomId);
            return null;
        }
        List<Slot> slots;
        long dropped;
        lock (log)
        {
            slots = log.Matching(s => upTo.Covers(s.Writer, s.Position));
            dropped = log.Dropped.Maximum;
        }
        var latest = (await LoadAsync(log, slots, ct))?.Where(e => e.IsInTimeline).MaxBy(e => e.StreamOrdering);
        // With several writers a dropped row may be newer than every row still held.
        return latest is not null && latest.StreamOrdering > dropped ? latest : null;
    }

    // The slots' events, loading those not loaded yet in one query, shared with the syncs that
    // ask for them meanwhile (a message wakes every member's sync at once). Null, and the caller
    // asks PostgreSQL itself, if the load it waited for (another sync's) failed or an event is
    // missing from the database (it cannot be: its row was announced after it committed).
    private async Task<List<StoredEvent>?> LoadAsync(RoomLog log, List<Slot> slots, CancellationToken ct)
    {
        var loaded = new StoredEvent?[slots.Count];
        List<Slot>? mine = null;
        List<(int Index, Task<IReadOnlyDictionary<string, StoredEvent>> Load)>? theirs = null;
        TaskCompletionSource<IReadOnlyDictionary<string, StoredEvent>>? load = null;
        long generation;
        lock (log)
        {
            log.LastRead = Environment.TickCount64;
            generation = log.Generation;
            for (var i = 0; i < slots.Count; i++)
            {
                var slot = slots[i];
                if (slot.Event is { } e)
                    loaded[i] = e;
                else if (slot.Loading is { } pending)
                    (theirs ??= []).Add((i, pending));
                else
                {
                    load ??= new TaskCompletionSource<IReadOnlyDictionary<string, StoredEvent>>(TaskCreationOptions.RunContinuationsAsynchronously);
                    slot.Loading = load.Task;
                    (mine ??= []).Add(slot);
                }
            }
        }
        if (mine is not null)
        {
            IReadOnlyDictionary<string, StoredEvent>? found = null;
            try
            {
                found = await events.GetEventsAsync([.. mine.Select(s => s.EventId)], ct);
                load!.SetResult(found);
            }
            catch (Exception e)
            {
                load!.SetException(e);
                // Observed here; the syncs that waited on it ask PostgreSQL themselves.
                _ = load.Task.Exception;
                throw;
            }
            finally
            {
                var kept = 0;
                lock (log)
                {
                    foreach (var slot in mine)
                    {
                        slot.Loading = null;
                        // Loaded before a redaction of the room was applied: served, not kept.
                        if (found is not null && found.TryGetValue(slot.EventId, out var e)
                            && log.Generation == generation && slot.Event is null && log.Holds(slot))
                        {
                            slot.Event = e;
                            kept++;
                        }
                    }
                }
                if (Interlocked.Add(ref _loaded, kept) > MaxLoadedEvents)
                    Evict();
            }
            for (var i = 0; i < slots.Count; i++)
                if (loaded[i] is null && found!.TryGetValue(slots[i].EventId, out var e))
                    loaded[i] = e;
        }
        if (theirs is not null)
        {
            foreach (var (index, pending) in theirs)
            {
                try
                {
                    if ((await pending.WaitAsync(ct)).TryGetValue(slots[index].EventId, out var e))
                        loaded[index] = e;
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    return null;
                }
            }
        }
        return loaded.Any(e => e is null) ? null : [.. loaded.Select(e => e!)];
    }

    // Unloads the rooms read least recently until a quarter of the budget is free.
    private void Evict()
    {
        if (!_evicting.TryEnter())
            return;
        try
        {
            foreach (var log in _rooms.Values.OrderBy(l => Volatile.Read(ref l.LastRead)))
            {
                if (Volatile.Read(ref _loaded) <= MaxLoadedEvents * 3 / 4)
                    break;
                int unloaded;
                lock (log)
                    unloaded = log.Unload();
                Interlocked.Add(ref _loaded, -unloaded);
            }
        }
        finally
        {
            _evicting.Exit();
        }
    }

    private sealed class Slot(int writer, long position, string eventId)
    {
        public int Writer { get; } = writer;
        public long Position { get; } = position;
        public string EventId { get; } = eventId;
        public StoredEvent? Event { get; set; }

        /// <summary>The load in flight that will bring <see cref="Event"/>, for others to wait on.</summary>
        public Task<IReadOnlyDictionary<string, StoredEvent>>? Loading { get; set; }
    }

    // One room's rows; every member is used under the log's lock (LastRead excepted).
    private sealed class RoomLog(StreamPositionVector appliedBefore)
    {
        private readonly Queue<Slot> _slots = new();

        /// <summary>
        /// Per writer, what the log does not hold: rows applied before it existed, then the newest
        /// row it has dropped. Rows above it are all held.
        /// </summary>
        public StreamPositionVector Dropped { get; private set; } = appliedBefore;

        /// <summary>Moves when loaded events become stale (a redaction), so loads in flight are not kept.</summary>
        public long Generation { get; private set; }

        public long LastRead;

        public List<Slot> Matching(Func<Slot, bool> predicate) => [.. _slots.Where(predicate)];

        public bool Holds(Slot slot) => _slots.Contains(slot);

        /// <summary>Adds a row; returns how many loaded events it unloaded.</summary>
        public int Append(int writer, long position, EventStreamRow row)
        {
            // A writer's rows come in order and once; a repeat (a catch-up overlapping) is ignored.
            if (position <= Dropped.PositionOf(writer) || _slots.Any(s => s.Writer == writer && s.Position >= position))
                return 0;
            var unloaded = 0;
            if (row.Type == RoomEventTypes.Redaction)
                unloaded = Unload();
            _slots.Enqueue(new Slot(writer, position, row.EventId));
            while (_slots.Count > RowsPerRoom)
            {
                var oldest = _slots.Dequeue();
                Dropped = Dropped.WithAdvanced(oldest.Writer, oldest.Position);
                if (oldest.Event is not null)
                    unloaded++;
            }
            return unloaded;
        }

        public int Unload()
        {
            Generation++;
            var unloaded = 0;
            foreach (var slot in _slots)
            {
                if (slot.Event is not null)
                    unloaded++;
                slot.Event = null;
            }
            return unloaded;
        }
    }
}
