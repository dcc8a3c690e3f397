using Cluster.Shared.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Cluster.Integration.Tests.Storage;

public class SchemaGateTests : FreshDatabaseTest
{
    private static readonly SchemaGateBackoff Quick = new(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(100));

    private static SchemaGate Gate() => new(MigrationCatalog.Embedded, Quick, NullLogger.Instance);

    [Test]
    public async Task PassesAtOnceWhenTheSchemaIsCurrent()
    {
        await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);

        var version = await Within(Gate().WaitForSchemaAsync(DataSource, CancellationToken.None), TimeSpan.FromSeconds(5));

        Assert.That(version, Is.EqualTo(MigrationCatalog.Embedded.LatestVersion));
    }

    [Test]
    public async Task WaitsOnAnEmptyDatabaseThenPassesOnceMigrated()
    {
        var waiting = Gate().WaitForSchemaAsync(DataSource, CancellationToken.None);
        await Task.Delay(400);
        Assert.That(waiting.IsCompleted, Is.False, "the gate must hold while there is no schema");

        await SchemaMigrator.MigrateAsync(NewDataSource(), CancellationToken.None);

        Assert.That(await Within(waiting, TimeSpan.FromSeconds(10)), Is.EqualTo(MigrationCatalog.Embedded.LatestVersion));
    }

    [Test]
    public async Task WaitsWhileTheSchemaIsBehind()
    {
        var firstOnly = MigrationCatalog.FromFiles(new Dictionary<string, string> { ["0001_first.sql"] = "CREATE TABLE first_table (id int);" });
        var both = MigrationCatalog.FromFiles(new Dictionary<string, string>
        {
            ["0001_first.sql"] = "CREATE TABLE first_table (id int);",
            ["0002_second.sql"] = "CREATE TABLE second_table (id int);",
        });
        await SchemaMigrator.MigrateAsync(DataSource, firstOnly, NullLogger.Instance, CancellationToken.None);

        var waiting = new SchemaGate(both, Quick, NullLogger.Instance).WaitForSchemaAsync(DataSource, CancellationToken.None);
        await Task.Delay(400);
        Assert.That(waiting.IsCompleted, Is.False, "version 1 of 2 is not enough");

        await SchemaMigrator.MigrateAsync(DataSource, both, NullLogger.Instance, CancellationToken.None);
        Assert.That(await Within(waiting, TimeSpan.FromSeconds(10)), Is.EqualTo(2));
    }

    [Test]
    public async Task RefusesADatabaseWithANewerSchema()
    {
        await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);
        var newer = MigrationCatalog.Embedded.LatestVersion + 1;
        await ExecuteAsync("INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future')", newer);

        var error = Assert.ThrowsAsync<SchemaTooNewException>(() => Gate().WaitForSchemaAsync(DataSource, CancellationToken.None));

        Assert.That(error!.DatabaseVersion, Is.EqualTo(newer));
        Assert.That(error.Message, Does.Contain($"version {newer}").And.Contain($"version {MigrationCatalog.Embedded.LatestVersion}"));
    }

    [Test]
    public async Task RefusesAVersionRecordedUnderAnotherName()
    {
        await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);
        await ExecuteAsync("UPDATE schema_migrations SET name = 'something_else' WHERE version = 1");

        Assert.ThrowsAsync<SchemaHistoryMismatchException>(() => Gate().WaitForSchemaAsync(DataSource, CancellationToken.None));
    }

    [Test]
    public void StopsWaitingWhenCancelled()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        Assert.That(async () => await Gate().WaitForSchemaAsync(DataSource, cancel.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task KeepsWaitingWhileTheDatabaseIsUnreachable()
    {
        // A port nobody listens on: the worker started before PostgreSQL did.
        var unreachable = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Host = "127.0.0.1", Port = await ClosedPortAsync(), Timeout = 2 };
        await using var source = NpgsqlDataSource.Create(unreachable.ConnectionString);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        Assert.That(async () => await Gate().WaitForSchemaAsync(source, cancel.Token),
            Throws.InstanceOf<OperationCanceledException>(), "connection failures are waited out, not thrown");
    }

    private static Task<int> ClosedPortAsync()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return Task.FromResult(port);
    }
}
