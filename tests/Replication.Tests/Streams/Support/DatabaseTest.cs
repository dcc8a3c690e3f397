namespace Cluster.Replication.Tests.Streams.Support;

/// <summary>One migrated database per fixture (creating one takes a while), emptied before each test.</summary>
public abstract class DatabaseTest
{
    protected ReplicationDatabase Database { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task CreateDatabase() => Database = await ReplicationDatabase.CreateAsync();

    [OneTimeTearDown]
    public async Task DropDatabase() => await Database.DisposeAsync();

    [SetUp]
    public Task EmptyStreams() => Database.ResetAsync();
}
