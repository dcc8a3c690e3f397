using Cluster.Replication.Bus;
using Cluster.Shared.Configuration;
using Cluster.Shared.Storage;
using Cluster.Workers.Host;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Cluster.Main.Startup;

/// <summary>
/// Refuses to start when a configured PostgreSQL or Redis cannot be reached, so an operator sees
/// the misconfiguration at once instead of on the first request. Each is given a minute: on a
/// loaded machine, or when the services were started a moment ago, a first attempt can time out.
/// Redis is checked only in a worker cluster: one process replicates in memory and never opens it,
/// so connecting would only load the client and start its socket threads for the process's life.
/// </summary>
internal sealed class BackingServicesCheck(IOptions<ClusterOptions> options, ClusterContext cluster, ILogger<BackingServicesCheck> logger)
    : IHostedService
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan BetweenAttempts = TimeSpan.FromSeconds(1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.Postgres is { Length: > 0 } pg)
        {
            var version = await UntilReachableAsync("PostgreSQL", async () =>
            {
                await using var source = NpgsqlDataSource.Create(StorageServices.WithClusterDefaults(pg));
                await using var cmd = source.CreateCommand("SELECT current_setting('server_version')");
                return await cmd.ExecuteScalarAsync(cancellationToken);
            }, cancellationToken);
            logger.LogInformation("PostgreSQL reachable, server version {PostgresVersion}", version);
        }
        else
        {
            logger.LogWarning("No PostgreSQL configured (Cluster:Postgres); nothing will be stored");
        }

        if (!cluster.IsCluster)
        {
            logger.LogInformation("Single-process mode: replication stays in memory, Redis is not used");
        }
        else if (o.Redis is { Length: > 0 } redis)
        {
            var latency = await UntilReachableAsync("Redis", () => RedisPing.OnceAsync(redis), cancellationToken);
            logger.LogInformation("Redis reachable, ping {RedisPingMs} ms", latency.TotalMilliseconds);
        }
        else
        {
            logger.LogWarning("No Redis configured (Cluster:Redis); a worker cluster cannot replicate without it");
        }
    }

    private async Task<T> UntilReachableAsync<T>(string service, Func<Task<T>> attempt, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                return await attempt();
            }
            catch (Exception e) when ((e is NpgsqlException or TimeoutException || RedisPing.IsConnectionFailure(e)) && DateTime.UtcNow < deadline)
            {
                logger.LogWarning("{Service} not reachable yet, trying again: {Reason}", service, e.Message);
                await Task.Delay(BetweenAttempts, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// The Redis side of the check, kept out of <see cref="BackingServicesCheck"/>'s own methods:
/// compiling a method that names a Redis type loads the Redis client, which the single process
/// never uses.
/// </summary>
internal static class RedisPing
{
    public static async Task<TimeSpan> OnceAsync(string configuration)
    {
        // The bus's options: on the thread pool, not the client's own ten socket threads.
        var options = RedisReplicationBus.ConnectionOptions(configuration);
        options.AbortOnConnectFail = true;
        await using var mux = await ConnectionMultiplexer.ConnectAsync(options);
        return await mux.GetDatabase().PingAsync();
    }

    public static bool IsConnectionFailure(Exception e) => e is RedisException;
}
