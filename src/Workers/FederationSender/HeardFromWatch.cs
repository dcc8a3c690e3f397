using Cluster.Shared.Storage;
using Cluster.Shared.Storage.Federation;
using Npgsql;

namespace Cluster.Workers.FederationSender;

/// <summary>
/// Ends the back-off of destinations that talked to this server since their last failed attempt
/// (the federation reader stamps them and announces it, <see cref="DestinationsHeardFrom"/>), so a
/// server that comes back gets its backlog now rather than at its next retry time, which may be
/// hours away. Each time listening (re)starts, the stamps of the destinations backed off from are
/// read, for announcements missed meanwhile.
/// </summary>
public sealed class HeardFromWatch(
    NpgsqlDataSource dataSource, DestinationQueues queues, DestinationsHeardFrom heardFrom, TimeProvider clock, ILogger<HeardFromWatch> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PostgresChannelListener.RunAsync(dataSource, DestinationsHeardFrom.Channel, CatchUpAsync, queues.EndBackoff, clock, logger, stoppingToken);

    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        var backingOff = queues.BackingOff();
        if (backingOff.Count == 0)
            return;
        foreach (var (destination, heardAt) in await heardFrom.ReadAsync([.. backingOff.Keys], cancellationToken))
            if (heardAt > backingOff[destination])
                queues.EndBackoff(destination);
    }
}
