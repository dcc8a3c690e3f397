using Cluster.Workers.SyncReader;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.FederationReader.Membership;

/// <summary>The endpoints through which other servers' users join, leave, knock on and get invited to rooms, and what they need.</summary>
public static class FederationMembership
{
    public static IServiceCollection AddFederationMembership(this IServiceCollection services)
    {
        services.TryAddSingleton<ResidentRoomAccess>();
        services.TryAddSingleton<MembershipTemplates>();
        services.TryAddSingleton<RestrictedJoinAuthoriser>();
        services.TryAddSingleton<MembershipEventIntake>();
        services.TryAddSingleton<JoinAnswer>();
        services.TryAddSingleton<StrippedStateBuilder>();
        return services;
    }

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        MakeMembershipEndpoints.Map(endpoints);
        SendMembershipEndpoints.Map(endpoints);
        EventAuthEndpoint.Map(endpoints);
        InviteEndpoint.Map(endpoints);
    }
}
