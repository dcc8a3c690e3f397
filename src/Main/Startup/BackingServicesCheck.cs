using Cluster.Shared.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Cluster.Main.Startup;

/// <summary>
/// Refuses to start when a configured PostgreSQL or Redis cannot be reached, so an
/// operator sees the misconfiguration at once instead of on the first request.
/// </summary>
internal sealed class BackingServicesCheck(IOptions<ClusterOptions> options, ILogger<BackingServicesCheck> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.Postgres is { Length: > 0 } pg)
        {
            await using var source = NpgsqlDataSource.Create(pg);
            await using var cmd = source.CreateCommand("SELECT current_setting('server_version')");
            var version = await cmd.ExecuteScalarAsync(cancellationToken);
            logger.LogInformation("PostgreSQL reachable, server version {PostgresVersion}", version);
        }
        else
        {
            logger.LogWarning("No PostgreSQL configured (Cluster:Postgres); nothing will be stored");
        }

        if (o.Redis is { Length: > 0 } redis)
        {
            await using var mux = await ConnectionMultiplexer.ConnectAsync(redis);
            var latency = await mux.GetDatabase().PingAsync();
            logger.LogInformation("Redis reachable, ping {RedisPingMs} ms", latency.TotalMilliseconds);
        }
        else
        {
            logger.LogInformation("No Redis configured (Cluster:Redis); single-process mode");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
