using Cluster.Shared.Federation;
using Cluster.Shared.Storage.Accounts;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventPersister;
using Cluster.Workers.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.ClientReader.Messages;

/// <summary>The client reader's history endpoints: /messages (backfilling from other servers) and /context.</summary>
public sealed class MessagesModule : IRoleModule
{
    public string Name => "client_reader";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddAccountStorage();
        services.AddRoomStores();
        services.TryAddSingleton<RoomHistoryAccess>();
        services.TryAddSingleton<RoomHistoryPager>();
        services.TryAddSingleton<LazyMemberLoader>();
        // Backfilling from other servers: their events are checked and stored through the room's persister.
        services.AddFederation(configuration);
        services.AddEventPersistence();
        services.TryAddSingleton<RoomBackfill>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => MessagesEndpoints.Map(endpoints);
}
