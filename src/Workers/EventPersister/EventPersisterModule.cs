using Cluster.Replication.Streams.Events;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.EventPersister;

/// <summary>
/// The event persister role: writes room events and the events stream. It has no client
/// endpoints; creators reach it through <see cref="IEventPersistence"/>.
/// </summary>
public sealed class EventPersisterModule : IRoleModule
{
    public string Name => "event_persister";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddRoomStores();
        services.AddEventsStream();
        services.TryAddSingleton<LocalEventPersistence>();
        services.TryAddSingleton<IEventPersistence>(provider => provider.GetRequiredService<LocalEventPersistence>());
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
    }
}
