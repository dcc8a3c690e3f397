using Cluster.Shared.Storage.Accounts;
using Cluster.Workers.Host;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>
/// Accounts and authentication of the client API: registration, login, whoami. Also registers
/// the access token check every authenticated endpoint of the process relies on.
/// </summary>
public sealed class AccountsModule : IRoleModule
{
    public string Name => "client_reader";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddAccountStorage();
        services.Configure<RegistrationOptions>(configuration.GetSection(RegistrationOptions.Section));
        services.AddSingleton<PasswordAuthenticator>();
        services.AddSingleton<UserInteractiveAuth>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        RegisterEndpoints.Map(endpoints);
        LoginEndpoints.Map(endpoints);
        WhoAmIEndpoint.Map(endpoints);
    }
}
