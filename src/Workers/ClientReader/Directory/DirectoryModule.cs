using Cluster.Shared.Federation;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Directory;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.Host;

namespace Cluster.Workers.ClientReader.Directory;

/// <summary>The room directory: the public room list (this server's or another's) and room aliases (likewise).</summary>
public sealed class DirectoryModule : IRoleModule
{
    public string Name => "client_reader";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<RoomDirectoryStore>();
        services.AddFederation(configuration);
        services.TryAddSingleton<RemotePublicRooms>();
        services.AddRoomStores();
        services.TryAddSingleton<RoomAliasLookup>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        PublicRoomsEndpoints.Map(endpoints);
        RoomVisibilityEndpoints.Map(endpoints);
        endpoints.ClientV3().MapGet("directory/room/{roomAlias}", async (HttpContext ctx, RoomAliasLookup lookup) =>
            Results.Json((await lookup.ResolveAsync(RequestValues.RoomAlias(PathValues.Get(ctx, "roomAlias")), ctx.RequestAborted)).ToJson()));
    }
}
