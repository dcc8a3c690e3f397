using Npgsql;

namespace Cluster.Shared.Storage;

/// <summary>
/// Reads the <c>schema_migrations</c> table and compares it with a catalog. Shared by the
/// migrator (which applies what is pending) and the gate (which waits until nothing is).
/// </summary>
internal static class SchemaHistory
{
    public const string CreateTableSql = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    integer     PRIMARY KEY,
            name       text        NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """;

    /// <summary>Applied versions and their names; empty when the table does not exist yet.</summary>
    public static async Task<SortedDictionary<int, string>> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new SortedDictionary<int, string>();
        // to_regclass rather than catching 42P01: a failed statement would abort the
        // caller's transaction, and "no table yet" is an ordinary state, not an error.
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
                return applied;
        }
        await using var select = new NpgsqlCommand("SELECT version, name FROM schema_migrations", connection);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            applied.Add(reader.GetInt32(0), reader.GetString(1));
        return applied;
    }

    /// <summary>The catalog's migrations that the database lacks, in order.</summary>
    /// <exception cref="SchemaTooNewException">The database holds a version the catalog does not know.</exception>
    /// <exception cref="SchemaHistoryMismatchException">A version is recorded under another name.</exception>
    public static IReadOnlyList<Migration> Pending(SortedDictionary<int, string> applied, MigrationCatalog catalog)
    {
        if (applied.Count > 0 && applied.Keys.Max() is var highest && highest > catalog.LatestVersion)
            throw new SchemaTooNewException(highest, catalog.LatestVersion);

        var pending = new List<Migration>();
        foreach (var migration in catalog.Migrations)
        {
            if (!applied.TryGetValue(migration.Version, out var recordedName))
                pending.Add(migration);
            else if (recordedName != migration.Name)
                throw new SchemaHistoryMismatchException(migration.Version, recordedName, migration.Name);
        }
        return pending;
    }

    /// <summary>The highest applied version, 0 when none.</summary>
    public static int Highest(SortedDictionary<int, string> applied) => applied.Count == 0 ? 0 : applied.Keys.Max();
}
