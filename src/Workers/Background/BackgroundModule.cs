using Cluster.Workers.Host;

namespace Cluster.Workers.Background;

/// <summary>
/// The background role: housekeeping no request waits for. Today it prunes the cache
/// invalidation stream and the IDs of inbound federation transactions; one instance of the role is enough (the jobs are idempotent, so a
/// second one only repeats work).
/// </summary>
public sealed class BackgroundModule : IRoleModule
{
    public string Name => "background";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PruningOptions>().Bind(configuration.GetSection(PruningOptions.Section))
            .Validate(o => o.CacheInvalidationRetention > TimeSpan.Zero && o.InboundTransactionRetention > TimeSpan.Zero && o.Interval > TimeSpan.Zero,
                "Cluster:Background retention and interval must be positive")
            .ValidateOnStart();
        services.AddSingleton<CacheInvalidationPruning>();
        services.AddHostedService(provider => provider.GetRequiredService<CacheInvalidationPruning>());
        services.AddSingleton<InboundTransactionPruning>();
        services.AddHostedService(provider => provider.GetRequiredService<InboundTransactionPruning>());
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
    }
}

public sealed class PruningOptions
{
    public const string Section = "Cluster:Background";

    /// <summary>
    /// Invalidations older than this are deleted. Every process applies them within replication
    /// lag, and one that restarts starts with empty caches, so only a process cut off from both
    /// Redis and PostgreSQL for longer could miss one.
    /// </summary>
    public TimeSpan CacheInvalidationRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Inbound federation transaction IDs older than this are forgotten. A sender retries an
    /// unanswered transaction within its back-off; one retried after a day is taken as new (its
    /// PDUs are then deduplicated by event ID, its EDUs applied again).
    /// </summary>
    public TimeSpan InboundTransactionRetention { get; set; } = TimeSpan.FromDays(1);

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);
}
