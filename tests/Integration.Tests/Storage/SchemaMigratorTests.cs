using Cluster.Shared.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Integration.Tests.Storage;

public class SchemaMigratorTests : FreshDatabaseTest
{
    private static MigrationCatalog Embedded => MigrationCatalog.Embedded;

    [Test]
    public async Task AppliesEveryEmbeddedMigrationToAnEmptyDatabase()
    {
        var outcome = await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);

        Assert.That(outcome.VersionBefore, Is.Zero);
        Assert.That(outcome.VersionAfter, Is.EqualTo(Embedded.LatestVersion));
        Assert.That(outcome.Applied, Is.EqualTo(Embedded.Migrations));
        var recorded = await ColumnAsync<string>("SELECT lpad(version::text, 4, '0') || '_' || name FROM schema_migrations ORDER BY version");
        Assert.That(recorded, Is.EqualTo(Embedded.Migrations.Select(m => m.ToString())));
    }

    [Test]
    public async Task RunningAgainAppliesNothing()
    {
        await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);
        var firstAppliedAt = await ScalarAsync<DateTime>("SELECT max(applied_at) FROM schema_migrations");

        var again = await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);

        Assert.That(again.Applied, Is.Empty);
        Assert.That(again.VersionBefore, Is.EqualTo(Embedded.LatestVersion));
        Assert.That(again.VersionAfter, Is.EqualTo(Embedded.LatestVersion));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM schema_migrations"), Is.EqualTo(Embedded.Migrations.Count));
        Assert.That(await ScalarAsync<DateTime>("SELECT max(applied_at) FROM schema_migrations"), Is.EqualTo(firstAppliedAt));
    }

    [Test]
    public async Task ConcurrentMigratorsApplyEachMigrationExactlyOnce()
    {
        // Separate pools, as separate Main processes would have.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4)
            .Select(_ => Task.Run(() => SchemaMigrator.MigrateAsync(NewDataSource(), CancellationToken.None))));

        var appliedVersions = outcomes.SelectMany(o => o.Applied).Select(m => m.Version).Order();
        Assert.That(appliedVersions, Is.EqualTo(Embedded.Migrations.Select(m => m.Version)));
        Assert.That(outcomes.Select(o => o.VersionAfter), Is.All.EqualTo(Embedded.LatestVersion));
    }

    [Test]
    public async Task WaitsWhileAnotherSessionHoldsTheMigrationLock()
    {
        await using var holder = await NewDataSource().OpenConnectionAsync();
        await using (var take = new Npgsql.NpgsqlCommand("SELECT pg_advisory_lock($1)", holder))
        {
            take.Parameters.AddWithValue(SchemaMigrator.AdvisoryLockKey);
            await take.ExecuteNonQueryAsync();
        }

        var migration = SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);
        await Task.Delay(500);
        Assert.That(migration.IsCompleted, Is.False, "the migrator must not run while another holds the lock");
        Assert.That(await ScalarAsync<bool>("SELECT to_regclass('instances') IS NOT NULL"), Is.False);

        await using (var release = new Npgsql.NpgsqlCommand("SELECT pg_advisory_unlock($1)", holder))
        {
            release.Parameters.AddWithValue(SchemaMigrator.AdvisoryLockKey);
            await release.ExecuteNonQueryAsync();
        }
        var outcome = await Within(migration, TimeSpan.FromSeconds(10));
        Assert.That(outcome.VersionAfter, Is.EqualTo(Embedded.LatestVersion));
    }

    [Test]
    public async Task ReleasesTheLockWhenDone()
    {
        await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);

        Assert.That(await ScalarAsync<bool>("SELECT pg_try_advisory_lock($1)", SchemaMigrator.AdvisoryLockKey), Is.True);
    }

    [Test]
    public async Task RefusesADatabaseWithANewerSchema()
    {
        await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);
        var newer = Embedded.LatestVersion + 1;
        await ExecuteAsync("INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future')", newer);

        var error = Assert.ThrowsAsync<SchemaTooNewException>(() => SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None));

        Assert.That(error!.DatabaseVersion, Is.EqualTo(newer));
        Assert.That(error.CodeVersion, Is.EqualTo(Embedded.LatestVersion));
    }

    [Test]
    public async Task RefusesAVersionRecordedUnderAnotherName()
    {
        await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);
        await ExecuteAsync("UPDATE schema_migrations SET name = 'something_else' WHERE version = 1");

        var error = Assert.ThrowsAsync<SchemaHistoryMismatchException>(() => SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None));

        Assert.That(error!.Version, Is.EqualTo(1));
        Assert.That(error.DatabaseName, Is.EqualTo("something_else"));
    }

    [Test]
    public async Task AFailingMigrationIsRolledBackAndEarlierOnesStay()
    {
        var catalog = MigrationCatalog.FromFiles(new Dictionary<string, string>
        {
            ["0001_first.sql"] = "CREATE TABLE first_table (id int);",
            ["0002_broken.sql"] = "CREATE TABLE half_done (id int); SELECT 1 / 0;",
        });

        var error = Assert.ThrowsAsync<SchemaMigrationFailedException>(
            () => SchemaMigrator.MigrateAsync(DataSource, catalog, NullLogger.Instance, CancellationToken.None));

        Assert.That(error!.Migration.Version, Is.EqualTo(2));
        Assert.That(await ColumnAsync<int>("SELECT version FROM schema_migrations"), Is.EqualTo(new[] { 1 }));
        Assert.That(await ScalarAsync<bool>("SELECT to_regclass('first_table') IS NOT NULL"), Is.True);
        Assert.That(await ScalarAsync<bool>("SELECT to_regclass('half_done') IS NOT NULL"), Is.False);
        Assert.That(await ScalarAsync<bool>("SELECT pg_try_advisory_lock($1)", SchemaMigrator.AdvisoryLockKey), Is.True,
            "a failed run must still release the lock");
    }

    [Test]
    public async Task AppliesOnlyTheMigrationsAddedSinceTheLastRun()
    {
        var older = MigrationCatalog.FromFiles(new Dictionary<string, string> { ["0001_first.sql"] = "CREATE TABLE first_table (id int);" });
        var newer = MigrationCatalog.FromFiles(new Dictionary<string, string>
        {
            ["0001_first.sql"] = "CREATE TABLE first_table (id int);",
            ["0002_second.sql"] = "ALTER TABLE first_table ADD COLUMN name text;",
        });
        await SchemaMigrator.MigrateAsync(DataSource, older, NullLogger.Instance, CancellationToken.None);

        var outcome = await SchemaMigrator.MigrateAsync(DataSource, newer, NullLogger.Instance, CancellationToken.None);

        Assert.That(outcome.VersionBefore, Is.EqualTo(1));
        Assert.That(outcome.Applied.Select(m => m.Version), Is.EqualTo(new[] { 2 }));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM information_schema.columns WHERE table_name = 'first_table'"), Is.EqualTo(2));
    }
}
