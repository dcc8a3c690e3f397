using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage;
using Cluster.Shared.Storage.Federation;
using Cluster.Workers.Host;
using Npgsql;

namespace Cluster.Workers.FederationSender.Edus;

/// <summary>
/// Wakes the queue of a destination this instance sends to when another process (the to-device
/// stream's writer) has put durable EDUs in the outbox for it: it listens on the PostgreSQL
/// channel <see cref="DurableEduOutbox.Channel"/> (announced too by the devices trigger of migration 0014
/// for m.device_list_update), and each time it starts listening wakes every
/// destination with EDU rows (notifications sent while it was not listening are lost).
/// </summary>
public sealed class DurableEduWatcher(
    NpgsqlDataSource dataSource, DestinationQueues queues, ClusterContext cluster, TimeProvider clock,
    ILogger<DurableEduWatcher> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PostgresChannelListener.RunAsync(dataSource, DurableEduOutbox.Channel, WakeAllWaitingAsync, Wake, clock, logger, stoppingToken);

    private async Task WakeAllWaitingAsync(CancellationToken cancellationToken)
    {
        await using var waiting = dataSource.CreateCommand("SELECT DISTINCT destination FROM federation_outbox_edus");
        await using var reader = await waiting.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            Wake(reader.GetString(0));
    }

    private void Wake(string destination)
    {
        if (ServerName.TryParse(destination, out _, out _) && cluster.SendsTo(destination))
            queues.Wake(destination);
    }
}
