using Cluster.Shared.Storage;

namespace Cluster.Integration.Tests.Storage;

/// <summary>The wiring: Main migrates at start, workers wait for it, both refuse a newer schema.</summary>
[NonParallelizable]
public class StartupSchemaTests : FreshDatabaseTest
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);
    private static int Latest => MigrationCatalog.Embedded.LatestVersion;

    [Test]
    public async Task MainMigratesAnEmptyDatabaseBeforeItServes()
    {
        await using var main = ClusterProcess.StartMain(Database.ConnectionString);

        Assert.That(await main.AnswersWithinAsync("/_matrix/client/versions", StartLimit), Is.True, main.Output);

        Assert.That(await ScalarAsync<int>("SELECT max(version) FROM schema_migrations"), Is.EqualTo(Latest));
    }

    [Test]
    public async Task MainRefusesToStartOnANewerSchema()
    {
        await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);
        await ExecuteAsync("INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future')", Latest + 1);

        await using var main = ClusterProcess.StartMain(Database.ConnectionString);

        Assert.That(await main.ExitsWithinAsync(StartLimit), Is.True, "Main should stop on its own");
        Assert.That(main.ExitCode, Is.Not.Zero);
        Assert.That(main.Output, Does.Contain(nameof(SchemaTooNewException)));
    }

    [Test]
    public async Task WorkerWaitsForTheSchemaThenServes()
    {
        await using var worker = ClusterProcess.StartWorker(Database.ConnectionString, "worker-1");

        Assert.That(await worker.AnswersWithinAsync("/health", TimeSpan.FromSeconds(4)), Is.False,
            "a worker must not serve before the schema exists");
        Assert.That(worker.HasExited, Is.False, "waiting is not failing: " + worker.Output);

        await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);

        Assert.That(await worker.AnswersWithinAsync("/health", StartLimit), Is.True, worker.Output);
    }

    [Test]
    public async Task WorkerRefusesToStartOnANewerSchema()
    {
        await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);
        await ExecuteAsync("INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future')", Latest + 1);

        await using var worker = ClusterProcess.StartWorker(Database.ConnectionString, "worker-1");

        Assert.That(await worker.ExitsWithinAsync(StartLimit), Is.True, "the worker should stop on its own");
        Assert.That(worker.ExitCode, Is.Not.Zero);
        Assert.That(worker.Output, Does.Contain(nameof(SchemaTooNewException)));
    }
}
