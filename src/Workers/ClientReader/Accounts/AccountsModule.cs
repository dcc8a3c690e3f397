using Cluster.Shared.Federation;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Cluster.Shared.Http.RateLimiting;
using Cluster.Shared.Storage.Accounts;
using Cluster.Workers.EventCreator.Membership;
using Cluster.Workers.Host;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>
/// Accounts and authentication of the client API: registration, login and logout, devices,
/// password changes, deactivation, profiles, and the discovery endpoints (well-known,
/// capabilities). Also registers the access token check every authenticated endpoint of the
/// process relies on.
/// </summary>
public sealed class AccountsModule : IRoleModule
{
    public string Name => "client_reader";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddAccountStorage();
        services.AddMatrixRateLimiting(configuration);
        services.Configure<RegistrationOptions>(configuration.GetSection(RegistrationOptions.Section));
        services.AddOptions<DiscoveryOptions>().Bind(configuration.GetSection(DiscoveryOptions.Section))
            .Validate(o => o.PublicBaseUrl is null or "" || Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https",
                "Cluster:PublicBaseUrl must be an absolute http or https URL")
            .ValidateOnStart();
        services.AddSingleton<PasswordAuthenticator>();
        services.AddSingleton<UserInteractiveAuth>();
        // Profile changes update the user's member events, which only an event creator writes.
        services.AddMemberEventProfilePropagation();
        services.AddFederation(configuration);
        services.TryAddSingleton<RemoteProfiles>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        RegisterEndpoints.Map(endpoints);
        LoginEndpoints.Map(endpoints);
        WhoAmIEndpoint.Map(endpoints);
        SessionEndpoints.Map(endpoints);
        DeviceEndpoints.Map(endpoints);
        AccountEndpoints.Map(endpoints);
        ProfileEndpoints.Map(endpoints);
        DiscoveryEndpoints.Map(endpoints);
    }
}
