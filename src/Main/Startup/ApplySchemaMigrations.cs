using Cluster.Shared.Storage;
using Npgsql;

namespace Cluster.Main.Startup;

/// <summary>
/// Brings the database to this build's schema before anything else starts: registered ahead
/// of every other hosted service, and hosted services start before Kestrel listens, so no
/// request and no background job ever sees an old schema. Failure stops the process.
/// </summary>
internal sealed class ApplySchemaMigrations(NpgsqlDataSource dataSource, ILogger<ApplySchemaMigrations> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken) =>
        await SchemaMigrator.MigrateAsync(dataSource, logger, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
