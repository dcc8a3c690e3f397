using Cluster.Shared.Storage.Accounts;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.ClientReader.Messages;

/// <summary>The client reader's history endpoints: /messages and /context.</summary>
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
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => MessagesEndpoints.Map(endpoints);
}
