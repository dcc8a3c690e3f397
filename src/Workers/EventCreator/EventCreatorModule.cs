using Cluster.Shared.Federation;
using Cluster.Shared.Http.RateLimiting;
using Cluster.Shared.Storage.Accounts;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventCreator.Building;
using Cluster.Workers.EventCreator.Creation;
using Cluster.Workers.EventCreator.Membership;
using Cluster.Workers.EventCreator.Sending;
using Cluster.Workers.EventPersister;
using Cluster.Workers.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.EventCreator;

/// <summary>
/// The event creator role: createRoom, membership changes, messages, state and redactions. It
/// builds and auth-checks events and hands them to the room's persister (<see cref="EventPersister.IEventPersistence"/>).
/// </summary>
public sealed class EventCreatorModule : IRoleModule
{
    public string Name => "event_creator";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddRoomStores();
        services.AddAccountStorage();
        services.AddEventPersistence();
        services.TryAddSingleton<EventBuilder>();
        services.TryAddSingleton<RoomSnapshots>();
        services.TryAddSingleton<RoomContextLoader>();
        services.TryAddSingleton<RoomEventSender>();
        services.TryAddSingleton<RoomEventActions>();
        services.TryAddSingleton<MemberProfiles>();
        services.TryAddSingleton<MembershipActions>();
        services.AddFederation(configuration);
        services.TryAddSingleton<JoinTargets>();
        services.TryAddSingleton<RemoteRoomJoin>();
        services.TryAddSingleton<RemoteMembershipHandshake>();
        services.TryAddSingleton<RemoteRoomKnock>();
        services.TryAddSingleton<RemoteRoomLeave>();
        services.TryAddSingleton<RemoteInvites>();
        services.TryAddSingleton<RoomCreator>();
        services.TryAddSingleton<MemberProfilePropagation>();
        services.AddMatrixRateLimiting(configuration);
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        EventCreatorEndpoints.Map(endpoints);
        ProfilePropagationEndpoint.Map(endpoints);
    }
}
