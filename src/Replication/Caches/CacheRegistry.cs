using System.Collections.Concurrent;
using Cluster.Replication.Streams;

namespace Cluster.Replication.Caches;

/// <summary>
/// This process's invalidatable caches by name, and the consumer that applies the invalidation
/// stream to them. Invalidations for caches this process does not have are ignored.
/// </summary>
public sealed class CacheRegistry : IStreamConsumer<CacheInvalidation>
{
    private readonly ConcurrentDictionary<string, IInvalidatableCache> _caches = new(StringComparer.Ordinal);

    public TCache Register<TCache>(TCache cache) where TCache : IInvalidatableCache
    {
        if (!_caches.TryAdd(cache.Name, cache))
            throw new ArgumentException($"A cache named '{cache.Name}' is already registered.", nameof(cache));
        return cache;
    }

    public bool TryGet(string name, out IInvalidatableCache cache) => _caches.TryGetValue(name, out cache!);

    public void Apply(CacheInvalidation invalidation)
    {
        if (!_caches.TryGetValue(invalidation.CacheName, out var cache))
            return;
        CacheMetrics.Invalidated(cache.Name);
        if (invalidation.Keys is null)
            cache.InvalidateAll();
        else
            cache.Invalidate(invalidation.Keys);
    }

    public ValueTask ApplyAsync(StreamBatch<CacheInvalidation> batch, CancellationToken cancellationToken)
    {
        foreach (var row in batch.Rows)
            Apply(row.Data);
        return ValueTask.CompletedTask;
    }
}
