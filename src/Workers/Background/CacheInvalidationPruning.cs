using Microsoft.Extensions.Options;
using Npgsql;

namespace Cluster.Workers.Background;

/// <summary>Deletes old rows of the cache invalidation stream, which otherwise grows with every write.</summary>
public sealed class CacheInvalidationPruning(
    NpgsqlDataSource dataSource, IOptions<PruningOptions> options, TimeProvider time, ILogger<CacheInvalidationPruning> logger)
    : BackgroundService
{
    /// <summary>Deletes invalidations older than the retention; returns how many.</summary>
    public async Task<int> PruneOnceAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM cache_invalidation_stream WHERE invalidated_at < $1");
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() - options.Value.CacheInvalidationRetention });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            try
            {
                var deleted = await PruneOnceAsync(stoppingToken);
                if (deleted > 0)
                    logger.LogInformation("Pruned {Count} cache invalidation rows", deleted);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Pruning the cache invalidation stream failed; will retry");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
