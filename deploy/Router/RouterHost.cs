using Cluster.Shared.Hosting;
using Cluster.Router.Affinity;
using Cluster.Router.Health;
using Cluster.Router.Pipeline;
using Cluster.Router.Routing;
using Cluster.Shared.Configuration.Topology;
using Cluster.Shared.Http;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Transforms;

namespace Cluster.Router;

/// <summary>
/// Builds the router: one base URL in front of a worker cluster. It reads the same topology file
/// as the processes (<c>--topology FILE</c>), listens on <c>router.listen</c>, and forwards each
/// request to the role the routing table names, over the instances' public addresses.
/// </summary>
public static class RouterHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (builder.Configuration["topology"] is not { Length: > 0 } path)
            throw new ArgumentException("--topology FILE is required: the router forwards to the instances it lists.");
        var topology = ClusterTopology.Load(path);
        var proxy = ProxyConfigBuilder.Build(topology);

        builder.WebHost.UseUrls($"http://{topology.Router.Listen}");
        // Other servers reach a worker cluster here too: the router takes their TLS when so configured.
        builder.AddFederationTlsListener();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = topology.Router.MaxRequestBodyBytes);
        builder.Services.AddSingleton(topology);
        // Logs like every process's, and the first span of each request's trace when OTLP is set.
        builder.AddClusterTelemetry("router");
        builder.Services.AddSingleton<ILoadBalancingPolicy, UserAffinityPolicy>();
        builder.Services.AddSingleton<IPassiveHealthCheckPolicy, ConnectFailurePolicy>();
        builder.Services.AddReverseProxy().LoadFromMemory(proxy.Routes, proxy.Clusters)
            .AddTransforms(transforms => transforms.AddRequestTransform(context =>
            {
                RawPathForwarding.Apply(context);
                return ValueTask.CompletedTask;
            }));
        configure?.Invoke(builder);

        var app = builder.Build();
        // A TLS terminator on the same machine may stand in front of the router: its
        // X-Forwarded-For names the client, as it would for a single process.
        app.UseForwardedHeaders(LoopbackProxies.ForwardedHeaderOptions());
        app.UseCorsOnRouterAnswers();
        app.UseMiddleware<MatrixErrorMiddleware>();
        app.UseMiddleware<RequestBodyLimit>(topology.Router.MaxRequestBodyBytes);
        app.MapGet(RouterHealth.Path, RouterHealth.Report);
        app.MapReverseProxy(pipeline =>
        {
            pipeline.UseMiddleware<ProxyErrors>();
            pipeline.UseMiddleware<ConnectRetry>();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });
        // Outside the Matrix namespaces (a process's /health, /metrics, /_internal): never forwarded.
        app.MapFallback("{**path}", (HttpContext context) => MatrixErrorMiddleware.WriteAsync(context, MatrixException.Unrecognized()));

        foreach (var cluster in proxy.Clusters)
            app.Logger.LogInformation("Cluster {Cluster}: {Instances}", cluster.ClusterId,
                string.Join(", ", cluster.Destinations!.Select(d => $"{d.Key} at {d.Value.Address}")));
        app.Logger.LogInformation("Router on {Listen}: {Routes} routes, body limit {MaxBody} bytes, health checks every {Interval}",
            topology.Router.Listen, proxy.Routes.Count, topology.Router.MaxRequestBodyBytes, topology.Router.HealthCheckInterval);
        return app;
    }
}
