using Cluster.Shared.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Shared.Storage.Accounts;

public static class AccountStorageServices
{
    /// <summary>
    /// The account stores and the access token check every authenticated endpoint relies on.
    /// Needs <see cref="StorageServices.AddClusterPostgres"/>; safe to call from several modules.
    /// </summary>
    public static IServiceCollection AddAccountStorage(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<UserStore>();
        services.TryAddSingleton<DeviceStore>();
        services.TryAddSingleton<AccessTokenStore>();
        services.TryAddSingleton<ProfileStore>();
        services.TryAddSingleton<UiAuthSessionStore>();
        services.TryAddSingleton<RegistrationNonceStore>();
        services.TryAddSingleton<IAccessTokenValidator, StoredAccessTokenValidator>();
        return services;
    }
}
