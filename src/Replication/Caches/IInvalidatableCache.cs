namespace Cluster.Replication.Caches;

/// <summary>A cache that the invalidation stream can empty, by key or entirely.</summary>
public interface IInvalidatableCache
{
    /// <summary>The name invalidations address it by; unique within a process.</summary>
    string Name { get; }

    void Invalidate(IReadOnlyList<string> keys);

    void InvalidateAll();
}
