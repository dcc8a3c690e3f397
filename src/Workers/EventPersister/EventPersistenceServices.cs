using Cluster.Workers.Host;
using Cluster.Workers.Host.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.EventPersister;

public static class EventPersistenceServices
{
    /// <summary>
    /// <see cref="IEventPersistence"/> for a process that creates events: in one process the local
    /// persister (every room is this process's); in a worker cluster the room's shard owner,
    /// reached over internal HTTP unless that is this instance.
    /// </summary>
    public static IServiceCollection AddEventPersistence(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEventPersistence>(provider => provider.GetRequiredService<ClusterContext>().IsCluster
            ? new RemoteEventPersistence(
                provider.GetRequiredService<ClusterContext>(), provider.GetRequiredService<InternalClient>(),
                provider.GetService<LocalEventPersistence>(), provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILogger<RemoteEventPersistence>>())
            : provider.GetRequiredService<LocalEventPersistence>());
        return services;
    }
}
