using System.Collections.Concurrent;

namespace Cluster.ClientApi.Tests.Fixtures;

/// <summary>
/// Against a cluster, fixtures with the same settings share one cluster: starting ten processes
/// costs about ten seconds, which per fixture would double the suite's run. Each fixture still
/// registers its own users and rooms, so they do not see each other's data; what they share is
/// per-address rate limiting (everything comes from loopback), so registration and login limits
/// are raised unless the fixture sets rate limits itself. Stopped when the whole run ends.
/// </summary>
public static class SharedClusters
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<Homeserver>>> Running = new(StringComparer.Ordinal);

    public static Task<Homeserver> GetAsync(IReadOnlyDictionary<string, string>? settings)
    {
        var merged = new Dictionary<string, string>(settings ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
        if (!merged.Keys.Any(k => k.StartsWith("Cluster:RateLimits", StringComparison.OrdinalIgnoreCase)))
        {
            merged["Cluster:RateLimits:Registration:Burst"] = "100000";
            merged["Cluster:RateLimits:Login:Burst"] = "100000";
        }
        var key = string.Join('\n', merged.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => $"{p.Key}={p.Value}"));
        return Running.GetOrAdd(key, _ => new Lazy<Task<Homeserver>>(() => Homeserver.StartAsync(merged))).Value;
    }

    public static async Task StopAllAsync()
    {
        foreach (var started in Running.Values.Where(l => l.IsValueCreated).Select(l => l.Value))
        {
            // One that failed to start has nothing to stop.
            if (started.IsCompletedSuccessfully)
                await (await started).DisposeAsync();
        }
        Running.Clear();
    }
}

