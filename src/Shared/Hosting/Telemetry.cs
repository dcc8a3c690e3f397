using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Cluster.Shared.Hosting;

/// <summary>
/// OpenTelemetry for every process: request and runtime metrics tagged with the instance
/// name, scraped by Prometheus at <c>/metrics</c>.
/// </summary>
public static class Telemetry
{
    /// <summary>The meter our own instruments (persist latency, replication lag, ...) are created from.</summary>
    public const string MeterName = "Cluster";

    public static IServiceCollection AddClusterTelemetry(this IServiceCollection services, string instance)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("cluster-homeserver", serviceInstanceId: instance))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(MeterName)
                .AddPrometheusExporter());
        return services;
    }

    public static IEndpointConventionBuilder MapClusterMetrics(this IEndpointRouteBuilder app) =>
        app.MapPrometheusScrapingEndpoint("/metrics");
}
