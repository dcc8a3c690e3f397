using Cluster.Shared.Federation.Acl;
using Cluster.Shared.Storage.Events;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.FederationReader.Rooms;

/// <summary>The endpoints that serve a room's events and state to other servers, and what they need.</summary>
public static class FederationRoomReads
{
    public static IServiceCollection AddFederationRoomReads(this IServiceCollection services)
    {
        services.TryAddSingleton<EventGraphStore>();
        services.TryAddSingleton<RoomServerAcls>();
        services.TryAddSingleton<FederationRoomAccess>();
        services.TryAddSingleton<ServerEventVisibility>();
        services.TryAddSingleton<RoomStateAtEvent>();
        return services;
    }

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        EventEndpoint.Map(endpoints);
        StateEndpoint.Map(endpoints);
        StateIdsEndpoint.Map(endpoints);
        BackfillEndpoint.Map(endpoints);
        MissingEventsEndpoint.Map(endpoints);
    }
}
