namespace Cluster.Replication.Caches;

/// <summary>Drop these keys from the named cache, or the whole cache when <see cref="Keys"/> is null.</summary>
public sealed record CacheInvalidation
{
    public CacheInvalidation(string cacheName, IReadOnlyList<string>? keys)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheName);
        if (keys is not null && keys.Any(k => k is null))
            throw new ArgumentException("A cache key is never null.", nameof(keys));
        CacheName = cacheName;
        Keys = keys;
    }

    public string CacheName { get; }

    /// <summary>The keys to drop; null drops everything.</summary>
    public IReadOnlyList<string>? Keys { get; }

    public static CacheInvalidation All(string cacheName) => new(cacheName, null);
}
