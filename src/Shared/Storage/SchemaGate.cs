using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Cluster.Shared.Storage;

/// <summary>How long <see cref="SchemaGate"/> sleeps between looks: doubling from
/// <paramref name="Initial"/> up to <paramref name="Maximum"/>.</summary>
public sealed record SchemaGateBackoff(TimeSpan Initial, TimeSpan Maximum)
{
    public static SchemaGateBackoff Default { get; } = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));

    internal TimeSpan After(TimeSpan previous) =>
        previous >= Maximum / 2 ? Maximum : previous * 2;
}

/// <summary>
/// Keeps a worker from touching the database before Main has migrated it to the schema this
/// build knows, and refuses outright when the database is already ahead (an old worker left
/// running after an upgrade must not write rows a newer schema does not expect).
/// </summary>
public sealed class SchemaGate(MigrationCatalog catalog, SchemaGateBackoff backoff, ILogger logger)
{
    /// <summary>How often an unchanged "still waiting" is repeated in the log.</summary>
    private static readonly TimeSpan ReminderInterval = TimeSpan.FromSeconds(30);

    public SchemaGate(ILogger logger) : this(MigrationCatalog.Embedded, SchemaGateBackoff.Default, logger) { }

    public SchemaGate() : this(NullLogger.Instance) { }

    /// <summary>
    /// Returns once every migration this build knows is recorded as applied; until then polls
    /// with backoff. Unreachable databases (transient errors) are waited out too, since workers
    /// may start before PostgreSQL does.
    /// </summary>
    /// <returns>The schema version found.</returns>
    /// <exception cref="SchemaTooNewException">The database is ahead of this build.</exception>
    /// <exception cref="SchemaHistoryMismatchException">The database was migrated from other files.</exception>
    public async Task<int> WaitForSchemaAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var delay = backoff.Initial;
        string? lastReport = null;
        var lastReportAt = DateTime.MinValue;
        var startedAt = DateTime.UtcNow;

        while (true)
        {
            string report;
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                var applied = await SchemaHistory.ReadAsync(connection, cancellationToken);
                var pending = SchemaHistory.Pending(applied, catalog);
                var found = SchemaHistory.Highest(applied);
                if (pending.Count == 0)
                {
                    if (lastReport is null)
                        logger.LogInformation("Database schema is at version {SchemaVersion}", found);
                    else
                        logger.LogInformation("Database schema reached version {SchemaVersion} after {WaitedMs} ms; continuing",
                            found, (long)(DateTime.UtcNow - startedAt).TotalMilliseconds);
                    return found;
                }
                report = $"Waiting for the database schema: at version {found}, this build needs {catalog.LatestVersion} (Main applies migrations at start)";
            }
            catch (NpgsqlException e) when (e.IsTransient && !cancellationToken.IsCancellationRequested)
            {
                report = $"Waiting for the database to become reachable: {e.Message}";
            }

            // Say it when something changed, and now and then while nothing does.
            if (report != lastReport || DateTime.UtcNow - lastReportAt >= ReminderInterval)
            {
                logger.LogInformation("{SchemaGateStatus}", report);
                lastReport = report;
                lastReportAt = DateTime.UtcNow;
            }
            await Task.Delay(delay, cancellationToken);
            delay = backoff.After(delay);
        }
    }
}
