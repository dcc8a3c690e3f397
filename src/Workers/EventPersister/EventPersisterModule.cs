using Cluster.Replication.Streams.Events;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.EventPersister;

/// <summary>
/// The event persister role: writes room events and the events stream, for the rooms of its
/// shard in a worker cluster. It has no client endpoints: creators reach it through
/// <see cref="IEventPersistence"/>, in process or at <see cref="PersistEndpoint"/>.
/// </summary>
public sealed class EventPersisterModule : IRoleModule
{
    public string Name => "event_persister";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddRoomStores();
        services.AddEventsStream();
        services.TryAddSingleton<LocalEventPersistence>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => PersistEndpoint.Map(endpoints);
}
