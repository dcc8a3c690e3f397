using Cluster.Main.Admin;
using Cluster.Main.ClientApi;
using Cluster.Main.Startup;
using Cluster.Replication.Hosting;
using Cluster.Shared.Configuration;
using Cluster.Shared.Hosting;
using Cluster.Shared.Storage;
using Cluster.Workers.Host;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Cluster.Main;

/// <summary>
/// Builds the main process. In single-process mode (the only mode so far) it hosts every role
/// module with the in-process bus. Tests build it in-process on a loopback port.
/// </summary>
public static class MainHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Settings files sit beside the binary, whatever folder the operator starts it from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // --config FILE: the operator's settings file (deploy/config/production.json documents
        // every option). Environment variables and command-line switches still override it.
        if (builder.Configuration["config"] is { Length: > 0 } configFile)
            AddSettingsFile(builder.Configuration, configFile);
        builder.Services.Configure<ClusterOptions>(builder.Configuration.GetSection(ClusterOptions.Section));
        var instance = builder.Configuration["instance"] ?? "main";

        // Hosted services start in registration order: reachability first (the clearest error
        // for a wrong connection string), then migrations, the instance's writer ID, then roles.
        builder.Services.AddHostedService<BackingServicesCheck>();
        var postgres = builder.Configuration[$"{ClusterOptions.Section}:{nameof(ClusterOptions.Postgres)}"];
        if (postgres is { Length: > 0 })
        {
            builder.Services.AddClusterPostgres(postgres);
            builder.Services.AddHostedService<ApplySchemaMigrations>();
            builder.Services.AddInProcessReplication(instance);
            foreach (var module in RoleRegistry.Modules)
                module.AddServices(builder.Services, builder.Configuration);
        }
        builder.Services.AddClusterTelemetry(instance);
        builder.AddClientApiPlumbing();

        // --port N is the operator-facing switch; ASPNETCORE_URLS or --urls still win when given.
        if (builder.Configuration["port"] is { } port && builder.Configuration["urls"] is null)
        {
            if (!int.TryParse(port, out var p) || p is < 0 or > 65535)
                throw new ArgumentException($"--port must be a TCP port number, got '{port}'.");
            builder.WebHost.UseUrls($"http://127.0.0.1:{p}");
        }
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseClientApiPlumbing();
        app.MapClusterMetrics();
        app.MapVersions();
        if (postgres is { Length: > 0 })
        {
            foreach (var module in RoleRegistry.Modules)
                module.MapEndpoints(app);
            app.MapSharedSecretRegistration();
        }
        app.MapUnrecognizedFallback();
        return app;
    }

    // After the appsettings files and before environment variables and the command line, which
    // are added later and so win.
    private static void AddSettingsFile(ConfigurationManager configuration, string file)
    {
        var path = Path.GetFullPath(file);
        if (!File.Exists(path))
            throw new FileNotFoundException($"--config {file}: no such file.", path);
        var source = new JsonConfigurationSource
        {
            Path = Path.GetFileName(path),
            Optional = false,
            FileProvider = new PhysicalFileProvider(Path.GetDirectoryName(path)!),
        };
        var sources = configuration.Sources;
        var afterSettingsFiles = sources.ToList().FindLastIndex(s => s is JsonConfigurationSource) + 1;
        sources.Insert(afterSettingsFiles, source);
    }
}
