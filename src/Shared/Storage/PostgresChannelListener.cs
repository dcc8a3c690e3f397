using Microsoft.Extensions.Logging;
using Npgsql;

namespace Cluster.Shared.Storage;

/// <summary>
/// Listens on a PostgreSQL NOTIFY channel for as long as the process runs, on a connection of
/// its own, reconnecting after a failure. A notification sent while no one listened is lost, so
/// <c>onListening</c> runs each time listening (re)starts: that is where the caller catches up
/// with what it may have missed.
/// </summary>
public static class PostgresChannelListener
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    public static async Task RunAsync(
        NpgsqlDataSource dataSource, string channel, Func<CancellationToken, Task> onListening, Action<string> onNotification,
        TimeProvider clock, ILogger logger, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, notification) => onNotification(notification.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                await onListening(stoppingToken);
                while (true)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
            {
                logger.LogWarning(e, "Listening on {Channel} failed; listening again in {Delay}", channel, ReconnectDelay);
                await Task.Delay(ReconnectDelay, clock, stoppingToken);
            }
        }
    }
}
