using Cluster.Shared.Storage;
using Npgsql;

namespace Cluster.Workers.Startup;

/// <summary>
/// Holds the worker's start until Main has migrated the database to the schema this build
/// knows. Registered ahead of every other hosted service, and hosted services start before
/// Kestrel listens, so nothing in the worker touches the database early; /health stays
/// unanswered meanwhile, which is what a deployment's readiness check should see. A database
/// ahead of this build stops the worker with <see cref="SchemaTooNewException"/>.
/// </summary>
internal sealed class WaitForSchema(NpgsqlDataSource dataSource, ILogger<WaitForSchema> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var version = await new SchemaGate(logger).WaitForSchemaAsync(dataSource, cancellationToken);
        logger.LogInformation("Database schema at version {SchemaVersion}", version);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
