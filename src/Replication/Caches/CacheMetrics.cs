using System.Diagnostics.Metrics;
using Cluster.Shared.Hosting;

namespace Cluster.Replication.Caches;

/// <summary>
/// Hits, misses and invalidations of this process's caches, by cache name
/// (<c>cluster.cache.hits</c>, <c>cluster.cache.misses</c>, <c>cluster.cache.invalidations</c>):
/// the hit ratio says whether a cache earns its memory, invalidations how much churn it sees.
/// </summary>
public static class CacheMetrics
{
    public const string HitsName = "cluster.cache.hits";
    public const string MissesName = "cluster.cache.misses";
    public const string InvalidationsName = "cluster.cache.invalidations";

    private static readonly Counter<long> Hits = ClusterDiagnostics.Meter.CreateCounter<long>(
        HitsName, "{lookup}", "Cache lookups answered from memory.");

    private static readonly Counter<long> Misses = ClusterDiagnostics.Meter.CreateCounter<long>(
        MissesName, "{lookup}", "Cache lookups that had to load the value.");

    private static readonly Counter<long> Invalidations = ClusterDiagnostics.Meter.CreateCounter<long>(
        InvalidationsName, "{invalidation}", "Invalidations applied to a cache (of some keys, or of everything).");

    public static void Hit(string cache) => Hits.Add(1, new KeyValuePair<string, object?>("cache", cache));

    public static void Miss(string cache) => Misses.Add(1, new KeyValuePair<string, object?>("cache", cache));

    public static void Invalidated(string cache) => Invalidations.Add(1, new KeyValuePair<string, object?>("cache", cache));
}
