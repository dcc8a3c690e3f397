using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Cluster.Shared.Storage;

/// <summary>What one <see cref="SchemaMigrator.MigrateAsync(NpgsqlDataSource, CancellationToken)"/> call did.</summary>
/// <param name="VersionBefore">Highest version recorded when this call took the lock.</param>
/// <param name="VersionAfter">Highest version recorded when it let go.</param>
/// <param name="Applied">Migrations this call applied; empty when another process got there first.</param>
public sealed record MigrationOutcome(int VersionBefore, int VersionAfter, IReadOnlyList<Migration> Applied);

/// <summary>
/// Brings a database up to the schema this build knows. Each migration runs in its own
/// transaction together with its <c>schema_migrations</c> row, so a failure leaves the
/// database at the previous version rather than half-way. A session advisory lock
/// serialises migrators: when two Mains start at once, the second waits, then finds
/// nothing left to do.
/// </summary>
public static class SchemaMigrator
{
    /// <summary>
    /// Advisory lock key for "the schema of this database". An arbitrary constant (ASCII
    /// "ClusterM"); it only has to differ from any other advisory lock key the project uses.
    /// </summary>
    public const long AdvisoryLockKey = 0x436C_7573_7465_724D;

    public static Task<MigrationOutcome> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        MigrateAsync(dataSource, MigrationCatalog.Embedded, NullLogger.Instance, cancellationToken);

    public static Task<MigrationOutcome> MigrateAsync(NpgsqlDataSource dataSource, ILogger logger, CancellationToken cancellationToken) =>
        MigrateAsync(dataSource, MigrationCatalog.Embedded, logger, cancellationToken);

    /// <exception cref="SchemaTooNewException">The database is ahead of <paramref name="catalog"/>.</exception>
    /// <exception cref="SchemaHistoryMismatchException">The database was migrated from other files.</exception>
    public static async Task<MigrationOutcome> MigrateAsync(
        NpgsqlDataSource dataSource, MigrationCatalog catalog, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(logger);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await AcquireLockAsync(connection, logger, cancellationToken);
        try
        {
            await using (var create = Command(connection, SchemaHistory.CreateTableSql))
                await create.ExecuteNonQueryAsync(cancellationToken);

            var applied = await SchemaHistory.ReadAsync(connection, cancellationToken);
            var before = SchemaHistory.Highest(applied);
            var pending = SchemaHistory.Pending(applied, catalog);
            if (pending.Count == 0)
            {
                logger.LogInformation("Database schema is up to date at version {SchemaVersion}", before);
                return new MigrationOutcome(before, before, []);
            }

            foreach (var migration in pending)
                await ApplyAsync(connection, migration, logger, cancellationToken);

            var after = pending[^1].Version;
            logger.LogInformation("Database schema migrated from version {FromVersion} to {SchemaVersion}", before, after);
            return new MigrationOutcome(before, after, pending);
        }
        finally
        {
            await ReleaseLockAsync(connection, logger);
        }
    }

    private static async Task ApplyAsync(NpgsqlConnection connection, Migration migration, ILogger logger, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using (var body = Command(connection, migration.Sql))
                await body.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e)
        {
            throw new SchemaMigrationFailedException(migration, e);
        }
        await using (var record = Command(connection, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)"))
        {
            record.Parameters.AddWithValue(migration.Version);
            record.Parameters.AddWithValue(migration.Name);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Applied schema migration {Migration} in {ElapsedMs} ms", migration.ToString(), clock.ElapsedMilliseconds);
    }

    private static async Task AcquireLockAsync(NpgsqlConnection connection, ILogger logger, CancellationToken cancellationToken)
    {
        await using (var attempt = Command(connection, "SELECT pg_try_advisory_lock($1)"))
        {
            attempt.Parameters.AddWithValue(AdvisoryLockKey);
            if (await attempt.ExecuteScalarAsync(cancellationToken) is true)
                return;
        }
        // Said once, so an operator looking at a Main that seems stuck knows why.
        logger.LogInformation("Another process is migrating the database schema; waiting for it to finish");
        await using var wait = Command(connection, "SELECT pg_advisory_lock($1)");
        wait.Parameters.AddWithValue(AdvisoryLockKey);
        await wait.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task ReleaseLockAsync(NpgsqlConnection connection, ILogger logger)
    {
        // A broken connection has already lost its session and with it the lock.
        if (connection.State != System.Data.ConnectionState.Open)
            return;
        try
        {
            await using var unlock = Command(connection, "SELECT pg_advisory_unlock($1)");
            unlock.Parameters.AddWithValue(AdvisoryLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException e)
        {
            logger.LogWarning(e, "Could not release the schema migration lock; it goes when the connection closes");
            // Pooled connections keep their session (no reset on close): close this one rather than reuse it.
            NpgsqlConnection.ClearPool(connection);
        }
    }

    /// <summary>
    /// No command timeout: waiting for another migrator and building indexes on a large
    /// table both legitimately take longer than Npgsql's 30 s default. Callers bound the
    /// wait with their cancellation token instead.
    /// </summary>
    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql) =>
        new(sql, connection) { CommandTimeout = 0 };
}
