using Cluster.Shared.Storage;

namespace Cluster.Integration.Tests.Storage;

public class InstanceRegistryTests : FreshDatabaseTest
{
    [SetUp]
    public async Task Migrate() => await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);

    [Test]
    public async Task TheSameNameGetsTheSameIdOnEveryCall()
    {
        var registry = new InstanceRegistry(DataSource);

        var first = await registry.GetOrRegisterAsync("persister-1", CancellationToken.None);
        var second = await registry.GetOrRegisterAsync("persister-1", CancellationToken.None);

        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public async Task TheSameNameGetsTheSameIdFromAnotherProcess()
    {
        var first = await new InstanceRegistry(DataSource).GetOrRegisterAsync("persister-1", CancellationToken.None);

        var fromElsewhere = await new InstanceRegistry(NewDataSource()).GetOrRegisterAsync("persister-1", CancellationToken.None);

        Assert.That(fromElsewhere, Is.EqualTo(first));
    }

    [Test]
    public async Task DistinctNamesGetDistinctIds()
    {
        var registry = new InstanceRegistry(DataSource);
        string[] names = ["main", "persister-1", "persister-2", "sync-1", "Persister-1"];

        var ids = new List<int>();
        foreach (var name in names)
            ids.Add(await registry.GetOrRegisterAsync(name, CancellationToken.None));

        Assert.That(ids, Is.Unique);
    }

    [Test]
    public async Task ConcurrentRegistrationsOfOneNameAgreeOnOneId()
    {
        // Separate, already-connected pools released together, so the 20 inserts really
        // race on separate connections instead of queueing behind connection setup.
        var sources = Enumerable.Range(0, 20).Select(_ => NewDataSource()).ToArray();
        foreach (var source in sources)
            await (await source.OpenConnectionAsync()).DisposeAsync();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registrations = sources
            .Select(source => Task.Run(async () =>
            {
                await start.Task;
                return await new InstanceRegistry(source).GetOrRegisterAsync("racer", CancellationToken.None);
            }))
            .ToArray();
        start.SetResult();

        var ids = await Task.WhenAll(registrations);

        Assert.That(ids.Distinct(), Has.Exactly(1).Items);
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM instances WHERE instance_name = 'racer'"), Is.EqualTo(1));
    }

    [Test]
    public async Task ComingBackDoesNotUseUpIds()
    {
        var registry = new InstanceRegistry(DataSource);
        var main = await registry.GetOrRegisterAsync("main", CancellationToken.None);
        for (var restart = 0; restart < 5; restart++)
            await registry.GetOrRegisterAsync("main", CancellationToken.None);

        var next = await registry.GetOrRegisterAsync("persister-1", CancellationToken.None);

        Assert.That(next, Is.EqualTo(main + 1), "IDs travel in every token; they should stay small");
    }

    [Test]
    public async Task TheIdIsPersisted()
    {
        var id = await new InstanceRegistry(DataSource).GetOrRegisterAsync("main", CancellationToken.None);

        Assert.That(await ScalarAsync<int>("SELECT instance_id FROM instances WHERE instance_name = 'main'"), Is.EqualTo(id));
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase(" main")]
    [TestCase("main\n")]
    [TestCase("ma\u0000in")]
    public void RejectsMalformedNames(string name)
    {
        var registry = new InstanceRegistry(DataSource);

        Assert.ThrowsAsync<ArgumentException>(() => registry.GetOrRegisterAsync(name, CancellationToken.None));
    }

    [Test]
    public void RejectsOverlongNames()
    {
        var registry = new InstanceRegistry(DataSource);

        Assert.ThrowsAsync<ArgumentException>(() => registry.GetOrRegisterAsync(new string('x', InstanceRegistry.MaxNameLength + 1), CancellationToken.None));
    }
}
