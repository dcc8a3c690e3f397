using Cluster.Main.Admin;
using Cluster.Main.Startup;
using Cluster.Shared.Configuration;
using Cluster.Workers.ClientReader.Accounts;
using Cluster.Workers.Host;

namespace Cluster.Main;

/// <summary>
/// Builds the main process: migrations, the instance registry, the admin endpoints. Alone
/// (no topology) it is the whole homeserver, hosting every role module with the in-process
/// bus; in a worker cluster (<c>--topology FILE</c>) the workers host the roles. Tests build it
/// in-process on a loopback port.
/// </summary>
public static class MainHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null) =>
        ProcessHost.Build(args, ProcessKind.Main,
            addStartup: builder =>
            {
                // Reachability first (the clearest error for a wrong connection string), then migrations.
                builder.Services.AddHostedService<BackingServicesCheck>();
                if (builder.Configuration[$"{ClusterOptions.Section}:{nameof(ClusterOptions.Postgres)}"] is { Length: > 0 })
                    builder.Services.AddHostedService<ApplySchemaMigrations>();
                builder.Services.Configure<RegistrationOptions>(builder.Configuration.GetSection(RegistrationOptions.Section));
            },
            configure,
            mapEndpoints: app =>
            {
                if (app.Configuration[$"{ClusterOptions.Section}:{nameof(ClusterOptions.Postgres)}"] is { Length: > 0 })
                    app.MapSharedSecretRegistration();
            });
}
