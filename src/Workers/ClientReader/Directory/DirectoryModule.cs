using Cluster.Shared.Federation;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Cluster.Shared.Storage.Directory;
using Cluster.Workers.Host;

namespace Cluster.Workers.ClientReader.Directory;

/// <summary>The public room directory: listing rooms and reading the list, this server's or another's.</summary>
public sealed class DirectoryModule : IRoleModule
{
    public string Name => "client_reader";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<RoomDirectoryStore>();
        services.AddFederation(configuration);
        services.TryAddSingleton<RemotePublicRooms>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        PublicRoomsEndpoints.Map(endpoints);
        RoomVisibilityEndpoints.Map(endpoints);
    }
}
