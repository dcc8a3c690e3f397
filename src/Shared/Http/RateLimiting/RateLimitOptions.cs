namespace Cluster.Shared.Http.RateLimiting;

/// <summary>The <c>Cluster:RateLimits</c> section: a rule per action name, falling back to the action's defaults.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Cluster:RateLimits";

    /// <summary>Most buckets kept per process; beyond it idle ones go first, then any.</summary>
    public int MaxBuckets { get; set; } = 100_000;

    public Dictionary<string, RateLimitRule> Actions { get; } = new(StringComparer.OrdinalIgnoreCase);

    public (double PerSecond, int Burst) For(RateLimitAction action)
    {
        Actions.TryGetValue(action.Name, out var rule);
        return (rule?.PerSecond ?? action.DefaultPerSecond, rule?.Burst ?? action.DefaultBurst);
    }
}

/// <summary>A token bucket: <see cref="Burst"/> requests at once, refilled at <see cref="PerSecond"/>.</summary>
public sealed class RateLimitRule
{
    public double? PerSecond { get; set; }
    public int? Burst { get; set; }
}
