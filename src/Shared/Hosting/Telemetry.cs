using Cluster.Shared.Hosting.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cluster.Shared.Hosting;

/// <summary>
/// OpenTelemetry for every process. Metrics (request durations by route; the .NET runtime's,
/// which include the process's CPU time and memory; our own <see cref="ClusterDiagnostics"/>
/// instruments) are scraped by
/// Prometheus at <c>/metrics</c>, every series labelled with the instance
/// (<c>service_instance_id</c>). Traces (requests, outgoing HTTP, PostgreSQL commands, our own
/// spans) are recorded only when something receives them: an OTLP endpoint
/// (<c>Cluster:Telemetry:OtlpEndpoint</c> or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>), or
/// <c>Cluster:Telemetry:Tracing=true</c> with an exporter added by the host (tests).
/// Logs go to the console (see <see cref="ClusterLogging"/>).
/// </summary>
public static class Telemetry
{
    /// <summary>The meter our own instruments (persist latency, replication lag, ...) are created from.</summary>
    public const string MeterName = ClusterDiagnostics.Name;

    public const string Section = "Cluster:Telemetry";

    /// <summary>The resource attribute that names the instance; copied onto every Prometheus series.</summary>
    public const string InstanceAttribute = "service.instance.id";

    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddClusterTelemetry(this WebApplicationBuilder builder, string instance)
    {
        var settings = TelemetrySettings.From(builder.Configuration);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("cluster-homeserver", serviceInstanceId: instance))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(MeterName)
                .AddView(MetricStreamSize.For)
                .AddPrometheusExporter(o => o.ResourceConstantLabels = key => key == InstanceAttribute));
        if (settings.Tracing)
            otel.WithTracing(t =>
            {
                // The ratio decides by trace ID, so every process takes the same decision for a trace.
                // A caller's "not sampled" (a router or client that records nothing, yet forwards
                // traceparent) is not obeyed: the ratio decides then too.
                var ratio = new TraceIdRatioBasedSampler(settings.SampleRatio);
                t.SetSampler(new ParentBasedSampler(ratio, remoteParentSampled: null, remoteParentNotSampled: ratio,
                        localParentSampled: null, localParentNotSampled: null))
                    .AddSource(ClusterDiagnostics.Name)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsHousekeeping(context.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql();
                if (settings.OtlpEndpoint is not null || settings.OtlpFromEnvironment)
                    t.AddOtlpExporter(o =>
                    {
                        // Without our own setting the exporter reads the OTEL_EXPORTER_OTLP_* variables itself.
                        if (settings.OtlpEndpoint is { } endpoint)
                            o.Endpoint = endpoint;
                        if (settings.OtlpProtocol is { } protocol)
                            o.Protocol = protocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                    });
            });
        builder.Logging.AddClusterConsole(builder.Configuration, instance);
        return builder;
    }

    /// <summary>
    /// Serves the Prometheus scrape at <c>/metrics</c>: in a cluster only on the instance's
    /// internal port (the router forwards only to the public one), in one process on its port.
    /// Elsewhere the path falls through to the usual 404.
    /// </summary>
    public static IApplicationBuilder MapClusterMetrics(this IApplicationBuilder app, int? internalPort) =>
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Request.Path == MetricsPath && (internalPort is not { } port || context.Connection.LocalPort == port));

    /// <summary>
    /// How many series (tag combinations) each metric keeps. The SDK allocates every metric's
    /// points up front for its limit, 2,000 by default: about 140 KB per metric, 5 MB of an idle
    /// process for the thirty-odd metrics here, nearly all of which have a handful of series (the
    /// largest, replication lag by stream and writer, about 150 in the biggest topology).
    /// Request durations (route, method and status; or remote server) keep the default.
    /// </summary>
    internal static class MetricStreamSize
    {
        public const int Small = 256;

        public static MetricStreamConfiguration? For(System.Diagnostics.Metrics.Instrument instrument) =>
            instrument.Name is "http.server.request.duration" or "http.client.request.duration"
                ? null
                : new MetricStreamConfiguration { CardinalityLimit = Small };
    }

    // Scrapes and health probes would fill the traces with noise.
    private static bool IsHousekeeping(PathString path) => path == MetricsPath || path == "/health";

    // The protocol stays a string here: naming the exporter's enum would load the exporter's
    // assembly into every process, which most run without.
    private sealed record TelemetrySettings(
        bool Tracing, double SampleRatio, Uri? OtlpEndpoint, bool OtlpFromEnvironment, string? OtlpProtocol)
    {
        public static TelemetrySettings From(IConfiguration configuration)
        {
            var section = configuration.GetSection(Section);
            var endpoint = section["OtlpEndpoint"] is { Length: > 0 } text
                ? Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                    ? uri
                    : throw new ArgumentException($"{Section}:OtlpEndpoint must be an http(s) URL, not '{text}'.")
                : null;
            var fromEnvironment = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 };
            var protocol = section["OtlpProtocol"] switch
            {
                null or "" => null,
                "grpc" => "grpc",
                "http/protobuf" => "http/protobuf",
                var other => throw new ArgumentException($"{Section}:OtlpProtocol must be grpc or http/protobuf, not '{other}'."),
            };
            var ratio = section.GetValue<double?>("SampleRatio") ?? 1.0;
            if (ratio is < 0 or > 1 || double.IsNaN(ratio))
                throw new ArgumentException($"{Section}:SampleRatio must be between 0 and 1, not {ratio}.");
            var tracing = endpoint is not null || fromEnvironment || section.GetValue<bool>("Tracing");
            return new TelemetrySettings(tracing, ratio, endpoint, fromEnvironment, protocol);
        }
    }
}
