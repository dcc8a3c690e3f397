using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Federation;
using Cluster.Workers.Host;
using Npgsql;

namespace Cluster.Workers.FederationSender.Edus;

/// <summary>
/// Wakes the queue of a destination this instance sends to when another process (the to-device
/// stream's writer) has put durable EDUs in the outbox for it: it listens on the PostgreSQL
/// channel <see cref="DurableEduOutbox.Channel"/>. Notifications sent while it was not listening
/// are lost, so each time it (re)starts listening it wakes every destination with EDU rows.
/// </summary>
public sealed class DurableEduWatcher(
    NpgsqlDataSource dataSource, DestinationQueues queues, ClusterContext cluster, TimeProvider clock,
    ILogger<DurableEduWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.IO.IOException)
            {
                logger.LogWarning(e, "Listening for durable EDUs failed; listening again in {Delay}", ReconnectDelay);
                await Task.Delay(ReconnectDelay, clock, stoppingToken);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        connection.Notification += (_, notification) => Wake(notification.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {DurableEduOutbox.Channel}", connection))
            await listen.ExecuteNonQueryAsync(stoppingToken);
        await using (var waiting = new NpgsqlCommand("SELECT DISTINCT destination FROM federation_outbox_edus", connection))
        await using (var reader = await waiting.ExecuteReaderAsync(stoppingToken))
            while (await reader.ReadAsync(stoppingToken))
                Wake(reader.GetString(0));
        while (true)
            await connection.WaitAsync(stoppingToken);
    }

    private void Wake(string destination)
    {
        if (ServerName.TryParse(destination, out _, out _) && cluster.SendsTo(destination))
            queues.Wake(destination);
    }
}
