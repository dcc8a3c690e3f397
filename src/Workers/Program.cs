using Cluster.Shared.Hosting;
using Cluster.Shared.Configuration;
using Cluster.Shared.Storage;
using Cluster.Workers.Host;
using Cluster.Workers.Startup;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.Configure<ClusterOptions>(builder.Configuration.GetSection(ClusterOptions.Section));

var instance = builder.Configuration["instance"]
    ?? throw new ArgumentException("--instance NAME is required: it names this worker in logs, tokens and ps.");
var roles = (builder.Configuration["roles"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var unknown = roles.Where(r => !RoleRegistry.Known.Contains(r)).ToArray();
if (unknown.Length > 0)
    throw new ArgumentException($"Unknown role(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", RoleRegistry.Known)}.");

builder.Services.AddClusterTelemetry(instance);

// Registered before any role's hosted services: they start only once the schema is there.
if (builder.Configuration[$"{ClusterOptions.Section}:{nameof(ClusterOptions.Postgres)}"] is { Length: > 0 } postgres)
{
    builder.Services.AddClusterPostgres(postgres);
    builder.Services.AddHostedService<WaitForSchema>();
}

var app = builder.Build();
app.MapClusterMetrics();
app.MapGet("/health", () => Results.Text("OK"));
app.Logger.LogInformation("Worker {Instance} starting with roles {Roles}", instance, roles);
app.Run();
