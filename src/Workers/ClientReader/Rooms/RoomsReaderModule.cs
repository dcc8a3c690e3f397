using Cluster.Shared.Storage.Accounts;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.ClientReader.Rooms;

/// <summary>The client reader's room endpoints: state, events, members, joined rooms, aliases.</summary>
public sealed class RoomsReaderModule : IRoleModule
{
    public string Name => "client_reader";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddAccountStorage();
        services.AddRoomStores();
        services.TryAddSingleton<RoomReadAccess>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => RoomReadEndpoints.Map(endpoints);
}
