using Npgsql;

namespace Cluster.Workers.Background;

/// <summary>
/// A table that grows with traffic and is pruned every <see cref="PruningOptions.Interval"/>:
/// the loop is shared, each job says what it deletes. A failed round is logged and the next one
/// tries again.
/// </summary>
public abstract class PeriodicPruning(PruningOptions options, TimeProvider time, ILogger logger) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    /// <summary>What is pruned, for the logs.</summary>
    protected abstract string What { get; }

    /// <summary>Deletes what is past its retention; returns how many rows.</summary>
    public abstract Task<int> PruneOnceAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Interval, Time);
        do
        {
            try
            {
                var deleted = await PruneOnceAsync(stoppingToken);
                if (deleted > 0)
                    logger.LogInformation("Pruned {Count} rows of {What}", deleted, What);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Pruning {What} failed; will retry", What);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
