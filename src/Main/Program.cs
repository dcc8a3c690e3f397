using Cluster.Shared.Hosting;
using Cluster.Main.ClientApi;
using Cluster.Main.Startup;
using Cluster.Shared.Configuration;
using Cluster.Shared.Storage;

// Settings files sit beside the binary, whatever folder the operator starts it from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.Configure<ClusterOptions>(builder.Configuration.GetSection(ClusterOptions.Section));
// Hosted services start in registration order: reachability first (the clearest error for a
// wrong connection string), then migrations, then everything else.
builder.Services.AddHostedService<BackingServicesCheck>();
if (builder.Configuration[$"{ClusterOptions.Section}:{nameof(ClusterOptions.Postgres)}"] is { Length: > 0 } postgres)
{
    builder.Services.AddClusterPostgres(postgres);
    builder.Services.AddHostedService<ApplySchemaMigrations>();
}
builder.Services.AddClusterTelemetry(builder.Configuration["instance"] ?? "main");

// --port N is the operator-facing switch; ASPNETCORE_URLS or --urls still win when given.
if (builder.Configuration["port"] is { } port && builder.Configuration["urls"] is null)
{
    if (!int.TryParse(port, out var p) || p is < 1 or > 65535)
        throw new ArgumentException($"--port must be a TCP port number, got '{port}'.");
    builder.WebHost.UseUrls($"http://127.0.0.1:{p}");
}

var app = builder.Build();
app.MapClusterMetrics();
app.MapVersions();
app.MapUnrecognizedFallback();
app.Run();

/// <summary>Entry point type, visible to integration tests.</summary>
public partial class Program;
