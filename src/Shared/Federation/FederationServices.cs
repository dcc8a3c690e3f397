using Cluster.Shared.Federation.Client;
using Cluster.Shared.Federation.Discovery;
using Cluster.Shared.Federation.Keys;
using Cluster.Shared.Federation.Pdus;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Keys;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Shared.Federation;

/// <summary>Registers the outbound federation client and the key ring (idempotent: every federation role calls it).</summary>
public static class FederationServices
{
    public static IServiceCollection AddFederation(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<FederationOptions>(configuration.GetSection(FederationOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SigningKeyStore>();
        services.TryAddSingleton<ServerSigningKeyProvider>();
        services.TryAddSingleton<FederationHttp>();
        services.TryAddSingleton<ServerResolver>();
        services.TryAddSingleton<FederationClient>();
        services.TryAddSingleton<ServerKeyStore>();
        services.TryAddSingleton<LocalServerKeys>();
        services.TryAddSingleton<ServerKeyRing>();
        services.TryAddSingleton<PduVerifier>();
        return services;
    }
}
