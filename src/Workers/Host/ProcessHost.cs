using Cluster.Replication.Bus;
using Cluster.Replication.Hosting;
using Cluster.Shared.Configuration;
using Cluster.Shared.Configuration.Topology;
using Cluster.Shared.Hosting;
using Cluster.Shared.Http;
using Cluster.Shared.Http.RateLimiting;
using Cluster.Shared.Storage;
using Cluster.Shared.Storage.Accounts;
using Cluster.Workers.Host.Internal;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;

namespace Cluster.Workers.Host;

/// <summary>What kind of process is being built: Main migrates and owns what no worker does.</summary>
public enum ProcessKind
{
    Main,
    Worker,
}

/// <summary>
/// Builds any process of the homeserver. With <c>--topology FILE --instance NAME</c> it is one
/// instance of a worker cluster: the instance's roles, the Redis bus, its listen and internal
/// addresses. Without a topology, Main is the whole homeserver in one process (every role, the
/// in-process bus) and a worker hosts nothing.
/// </summary>
public static class ProcessHost
{
    /// <param name="addStartup">Hosted services that must run before any role's (migrations, schema wait).</param>
    public static WebApplication Build(
        string[] args, ProcessKind kind, Action<WebApplicationBuilder> addStartup,
        Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? mapEndpoints = null)
    {
        // Settings files sit beside the binary, whatever folder the operator starts it from.
        // The slim builder leaves out what no process here uses (IIS integration, HTTP/3 over QUIC,
        // HTTPS endpoints from settings, the debug and EventSource log providers, host filtering),
        // each an assembly loaded and code run at start and held for the process's life. Settings
        // are read once at start (nothing here applies a changed file while running), so the files
        // are not watched: a watcher thread and its assembly less (the operator's switch still wins).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false", .. args],
            ContentRootPath = AppContext.BaseDirectory,
        });
        // --config FILE: the operator's settings file (deploy/config/production.json documents
        // every option). Environment variables and command-line switches still override it.
        if (builder.Configuration["config"] is { Length: > 0 } configFile)
            AddSettingsFile(builder.Configuration, configFile);
        builder.Services.Configure<ClusterOptions>(builder.Configuration.GetSection(ClusterOptions.Section));

        var cluster = Locate(builder.Configuration, kind);
        var instanceName = cluster.Instance?.Name ?? builder.Configuration["instance"] ?? (kind == ProcessKind.Main
            ? "main"
            : throw new ArgumentException("--instance NAME is required: it names this worker in logs, tokens and ps."));
        builder.Services.AddSingleton(cluster);
        var modules = ModulesOf(cluster, kind);

        addStartup(builder);
        var postgres = builder.Configuration[$"{ClusterOptions.Section}:{nameof(ClusterOptions.Postgres)}"];
        if (postgres is { Length: > 0 })
        {
            builder.Services.AddClusterPostgres(postgres, cluster.IsCluster ? WorkerPoolSize : null);
            // Every role with client endpoints checks access tokens (cached, invalidated through
            // the cache invalidation stream) and rate limits.
            builder.Services.AddAccessTokenCache();
            builder.Services.AddAccountStorage();
            builder.Services.AddMatrixRateLimiting(builder.Configuration);
            if (cluster.Topology is { } topology && cluster.Instance is { } instance)
            {
                var redis = builder.Configuration[$"{ClusterOptions.Section}:{nameof(ClusterOptions.Redis)}"];
                if (redis is not { Length: > 0 })
                    throw new ArgumentException("A worker cluster needs Redis (Cluster:Redis): the processes replicate through it.");
                var channel = builder.Configuration[$"{ClusterOptions.Section}:{nameof(ClusterOptions.RedisChannel)}"];
                builder.Services.AddRedisReplication(instance.Name, redis, new TopologyStreamOwnership(topology, instance),
                    channel is { Length: > 0 } ? channel : RedisReplicationBus.DefaultChannel);
                builder.Services.TryAddSingleton<InternalClient>();
            }
            else
            {
                builder.Services.AddInProcessReplication(instanceName);
            }
            builder.Services.AddCacheInvalidation();
            foreach (var module in modules)
                module.AddServices(builder.Services, builder.Configuration);
        }
        builder.AddClusterTelemetry(instanceName);
        builder.AddClientApiPlumbing();
        Listen(builder, cluster);
        // In a worker cluster the router is what other servers reach, and takes their TLS.
        if (!cluster.IsCluster)
            builder.AddFederationTlsListener();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseRouterForwardedHeaders(cluster);
        // Explicitly here, after the r0 alias has rewritten the path it matches on.
        app.UseR0Alias();
        app.UseRouting();
        app.UseClientApiPlumbing();
        app.MapClusterMetrics(cluster.Instance?.Internal.Port);
        app.MapGet("/health", () => Results.Text("OK"));
        app.MapVersions();
        if (postgres is { Length: > 0 })
            foreach (var module in modules)
                module.MapEndpoints(app);
        mapEndpoints?.Invoke(app);
        app.MapUnrecognizedFallback();
        app.Logger.LogInformation("Instance {Instance} hosting {Roles}", instanceName,
            cluster.Instance?.Roles ?? (kind == ProcessKind.Main ? ["single-process: every role"] : ["no roles"]));
        return app;
    }

    private static ClusterContext Locate(IConfiguration configuration, ProcessKind kind)
    {
        if (configuration["topology"] is not { Length: > 0 } path)
            return ClusterContext.SingleProcess;
        var topology = ClusterTopology.Load(path);
        var name = configuration["instance"] ?? (kind == ProcessKind.Main
            ? topology.Main.Name
            : throw new ArgumentException("--instance NAME is required with --topology: it says which of the topology's instances this is."));
        var instance = topology.Instance(name);
        if (kind == ProcessKind.Main && !instance.Has(Roles.Main))
            throw new TopologyException($"Instance '{name}' is a worker; start it with Cluster.Workers, not Cluster.Main.");
        if (kind == ProcessKind.Worker && instance.Has(Roles.Main))
            throw new TopologyException($"Instance '{name}' is the main process; start it with Cluster.Main, not Cluster.Workers.");
        return new ClusterContext(topology, instance);
    }

    private static IReadOnlyList<IRoleModule> ModulesOf(ClusterContext cluster, ProcessKind kind) =>
        cluster.Instance is { } instance
            ? RoleRegistry.ModulesFor(instance.Roles)
            : kind == ProcessKind.Main ? RoleRegistry.Modules : [];

    /// <summary>
    /// PostgreSQL connections per process of a worker cluster unless the connection string says
    /// otherwise: eleven processes of the default topology stay under PostgreSQL's usual 200.
    /// </summary>
    public const int WorkerPoolSize = 16;

    // In a cluster the topology says where to listen: the public address the router forwards
    // to, and the internal one for internal calls, health and metrics. --port N is the
    // single-process switch; ASPNETCORE_URLS or --urls still win when given.
    private static void Listen(WebApplicationBuilder builder, ClusterContext cluster)
    {
        if (cluster.Instance is { } instance)
        {
            builder.WebHost.UseUrls($"http://{instance.Listen}", $"http://{instance.Internal}");
            return;
        }
        if (builder.Configuration["port"] is { } port && builder.Configuration["urls"] is null)
        {
            if (!int.TryParse(port, out var p) || p is < 0 or > 65535)
                throw new ArgumentException($"--port must be a TCP port number, got '{port}'.");
            builder.WebHost.UseUrls($"http://127.0.0.1:{p}");
        }
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
