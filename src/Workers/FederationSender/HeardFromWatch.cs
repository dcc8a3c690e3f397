using Cluster.Shared.Storage.Federation;
using Npgsql;

namespace Cluster.Workers.FederationSender;

/// <summary>
/// Ends the back-off of destinations that talked to this server since their last failed attempt
/// (the federation reader stamps them, <see cref="DestinationsHeardFrom"/>), so a server that comes
/// back gets its backlog now rather than at its next retry time, which may be hours away. Looks
/// every <see cref="Interval"/>, and only when some destination is backed off from.
/// </summary>
public sealed class HeardFromWatch(DestinationQueues queues, DestinationsHeardFrom heardFrom, TimeProvider clock, ILogger<HeardFromWatch> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var backingOff = queues.BackingOff();
                if (backingOff.Count == 0)
                    continue;
                try
                {
                    foreach (var (destination, heardAt) in await heardFrom.ReadAsync([.. backingOff.Keys], stoppingToken))
                        if (heardAt > backingOff[destination])
                            queues.EndBackoff(destination);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    logger.LogWarning(e, "Could not read which destinations talked to us; back-offs run their course meanwhile");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
