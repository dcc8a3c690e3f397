using System.Collections.Concurrent;

namespace Cluster.Shared.Caching;

/// <summary>
/// The last <c>capacity</c> entries added, by key, the oldest forgotten first: what this process
/// just wrote, kept for the readers that ask for it a few milliseconds later. Thread-safe.
/// </summary>
public sealed class RecentEntries<TValue>(int capacity)
{
    private readonly ConcurrentDictionary<string, TValue> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public int Count => _entries.Count;

    public void Add(string key, TValue value)
    {
        _entries[key] = value;
        _order.Enqueue(key);
        // The queue may name a key twice (re-added, or forgotten and added again): it then goes
        // early, which only costs a read from the database.
        while (_order.Count > capacity && _order.TryDequeue(out var oldest))
            _entries.TryRemove(oldest, out _);
    }

    public bool TryGet(string key, out TValue value) => _entries.TryGetValue(key, out value!);

    public void Forget(string key) => _entries.TryRemove(key, out _);
}
