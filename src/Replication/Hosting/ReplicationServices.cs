using Cluster.Replication.Bus;
using Cluster.Replication.Caches;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;

namespace Cluster.Replication.Hosting;

/// <summary>Decides which streams this instance writes; single-process mode writes them all.</summary>
public interface IStreamOwnership
{
    bool Writes(string stream);
}

public sealed class WritesEveryStream : IStreamOwnership
{
    public bool Writes(string stream) => true;
}

public static class ReplicationServices
{
    /// <summary>
    /// This process's replication: its instance (registered at start, after migrations), the
    /// notifier every follower reports to, and the in-process bus (single-process mode; the
    /// worker cluster replaces it with Redis). Register before any stream.
    /// </summary>
    public static IServiceCollection AddInProcessReplication(this IServiceCollection services, string instanceName)
    {
        services.TryAddSingleton(new LocalInstance(instanceName));
        services.TryAddSingleton<StreamNotifier>();
        services.TryAddSingleton<IReplicationBus, InProcessReplicationBus>();
        services.TryAddSingleton<IStreamOwnership, WritesEveryStream>();
        services.AddHostedService<RegisterLocalInstance>();
        return services;
    }

    /// <summary>
    /// This process's replication in a worker cluster: the Redis bus shared by every process,
    /// and the streams <paramref name="ownership"/> says this instance writes. Register before any stream.
    /// </summary>
    public static IServiceCollection AddRedisReplication(
        this IServiceCollection services, string instanceName, string redisConfiguration, IStreamOwnership ownership,
        string channel = RedisReplicationBus.DefaultChannel)
    {
        services.TryAddSingleton(new LocalInstance(instanceName));
        services.TryAddSingleton<StreamNotifier>();
        services.TryAddSingleton<IConnectionMultiplexer>(_ =>
            ConnectionMultiplexer.Connect(RedisReplicationBus.ConnectionOptions(redisConfiguration)));
        services.TryAddSingleton<IReplicationBus>(provider => RedisReplicationBus.Create(
            provider.GetRequiredService<IConnectionMultiplexer>(), channel,
            logger: provider.GetRequiredService<ILogger<RedisReplicationBus>>()));
        services.TryAddSingleton(ownership);
        services.AddHostedService<RegisterLocalInstance>();
        return services;
    }

    /// <summary>Hosts a stream: <c>StreamHost&lt;TRow&gt;</c> becomes injectable and starts with the process.</summary>
    public static IServiceCollection AddStream<TRow>(this IServiceCollection services, StreamDefinition<TRow> definition) =>
        services.AddStream(definition, provider => provider.GetRequiredService<IStreamOwnership>().Writes(definition.Name));

    /// <summary>
    /// The cache invalidation stream in this process: every instance writes its own
    /// invalidations (so it is a writer whatever <see cref="IStreamOwnership"/> says) and follows
    /// everyone's into <see cref="CacheRegistry"/>. <see cref="CacheInvalidator"/> is resolved
    /// once the stream has started (in request handlers). Register after the replication and
    /// before anything that registers a cache. Safe to call twice.
    /// </summary>
    public static IServiceCollection AddCacheInvalidation(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(StreamHost<CacheInvalidation>)))
            return services;
        services.TryAddSingleton<CacheRegistry>();
        services.AddStream(CacheInvalidationStream.Instance, _ => true, (host, provider) => host.AddConsumer(provider.GetRequiredService<CacheRegistry>()));
        services.TryAddSingleton(provider => new CacheInvalidator(
            provider.GetRequiredService<StreamHost<CacheInvalidation>>().Writer, provider.GetRequiredService<CacheRegistry>()));
        return services;
    }

    private static IServiceCollection AddStream<TRow>(
        this IServiceCollection services, StreamDefinition<TRow> definition, Func<IServiceProvider, bool> writes,
        Action<StreamHost<TRow>, IServiceProvider>? configure = null)
    {
        services.AddSingleton(provider =>
        {
            var host = new StreamHost<TRow>(
                definition,
                writes(provider),
                provider.GetRequiredService<NpgsqlDataSource>(),
                provider.GetRequiredService<IReplicationBus>(),
                provider.GetRequiredService<StreamNotifier>(),
                provider.GetRequiredService<LocalInstance>(),
                provider.GetRequiredService<ILoggerFactory>());
            configure?.Invoke(host, provider);
            return host;
        });
        services.AddHostedService(provider => provider.GetRequiredService<StreamHost<TRow>>());
        return services;
    }
}
