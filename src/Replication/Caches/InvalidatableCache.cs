using System.Collections.Concurrent;

namespace Cluster.Replication.Caches;

/// <summary>
/// A string-keyed cache that the invalidation stream can empty. A value loaded while an
/// invalidation of the cache arrived is returned but not kept: it may predate the change that
/// the invalidation announces.
/// </summary>
public sealed class InvalidatableCache<TValue>(string name) : IInvalidatableCache
{
    private readonly ConcurrentDictionary<string, TValue> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _generation;

    public string Name { get; } = string.IsNullOrEmpty(name) ? throw new ArgumentException("A cache has a name.", nameof(name)) : name;

    public int Count => _entries.Count;

    public bool TryGet(string key, out TValue value)
    {
        var found = _entries.TryGetValue(key, out value!);
        if (found)
            CacheMetrics.Hit(Name);
        else
            CacheMetrics.Miss(Name);
        return found;
    }

    public async ValueTask<TValue> GetOrLoadAsync(
        string key, Func<string, CancellationToken, ValueTask<TValue>> load, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(key, out var cached))
        {
            CacheMetrics.Hit(Name);
            return cached;
        }
        CacheMetrics.Miss(Name);
        var generation = Volatile.Read(ref _generation);
        var loaded = await load(key, cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            if (_generation == generation)
                _entries[key] = loaded;
        }
        return loaded;
    }

    public void Invalidate(IReadOnlyList<string> keys)
    {
        lock (_lock)
        {
            _generation++;
            foreach (var key in keys)
                _entries.TryRemove(key, out _);
        }
    }

    public void InvalidateAll()
    {
        lock (_lock)
        {
            _generation++;
            _entries.Clear();
        }
    }
}
