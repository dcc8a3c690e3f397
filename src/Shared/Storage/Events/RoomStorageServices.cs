using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Keys;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Shared.Storage.Events;

/// <summary>Registers the room and event stores (idempotent: every role that reads rooms calls it).</summary>
public static class RoomStorageServices
{
    public static IServiceCollection AddRoomStores(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EventStore>();
        services.TryAddSingleton<RoomStore>();
        services.TryAddSingleton<RoomStateStore>();
        services.TryAddSingleton<RoomMembershipStore>();
        services.TryAddSingleton<RoomAliasStore>();
        services.TryAddSingleton<LocalAliasDirectory>();
        services.TryAddSingleton<TransactionIdStore>();
        services.TryAddSingleton<RoomEventWriter>();
        services.TryAddSingleton<AuthChainEvents>();
        services.TryAddSingleton<ClientEventSerializer>();
        services.TryAddSingleton<EventVisibility>();
        services.TryAddSingleton<BackfilledEventStore>();
        services.TryAddSingleton<BackfilledEventVisibility>();
        services.TryAddSingleton<SigningKeyStore>();
        services.TryAddSingleton<ServerSigningKeyProvider>();
        return services;
    }
}
