namespace Cluster.Shared.Storage;

/// <summary>The embedded migration files are misnamed or misnumbered; a build problem, not a database one.</summary>
public sealed class InvalidMigrationSetException(IReadOnlyList<string> problems)
    : Exception("The embedded schema migrations are invalid: " + string.Join("; ", problems) + ".")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// The database was migrated by newer code than this process. Running against it could
/// write rows the newer schema does not expect, so the process refuses to start.
/// </summary>
public sealed class SchemaTooNewException(int databaseVersion, int codeVersion)
    : Exception($"The database schema is at version {databaseVersion}, newer than version {codeVersion} that this build knows. " +
                "Deploy the newer build (or restore a matching database); an older process must not write to a newer schema.")
{
    public int DatabaseVersion { get; } = databaseVersion;
    public int CodeVersion { get; } = codeVersion;
}

/// <summary>
/// The database records a migration version under a different name than this build's file of
/// that number: the two were migrated from different migration histories.
/// </summary>
public sealed class SchemaHistoryMismatchException(int version, string databaseName, string codeName)
    : Exception($"Schema migration {version:D4} is recorded in the database as '{databaseName}' but this build names it '{codeName}'. " +
                "The database was migrated from a different set of migration files; refusing to guess which is right.")
{
    public int Version { get; } = version;
    public string DatabaseName { get; } = databaseName;
    public string CodeName { get; } = codeName;
}

/// <summary>A migration's SQL failed; its transaction was rolled back and the schema stays at the previous version.</summary>
public sealed class SchemaMigrationFailedException(Migration migration, Exception inner)
    : Exception($"Schema migration {migration} failed and was rolled back: {inner.Message}", inner)
{
    public Migration Migration { get; } = migration;
}
