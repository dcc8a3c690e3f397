using Cluster.ClusterTests.Fixtures;
using Cluster.Shared.Configuration.Topology;

namespace Cluster.ClusterTests.TwoCreators;

/// <summary>
/// One cluster for the test classes of this namespace: Main, two event persisters, two event
/// creators, and one process that hosts the client reader, sync reader and stream writer roles
/// together. Its tests kill and restart persisters; each leaves every instance running.
/// </summary>
[SetUpFixture]
public sealed class TwoCreatorCluster
{
    public const string Readers = "readers-1";

    private static LocalCluster? _cluster;

    public static LocalCluster Instance => _cluster ?? throw new InvalidOperationException("The two-creator cluster is not started.");

    [OneTimeSetUp]
    public async Task Start() => _cluster = await ClusterFixture.StartAsync(nameof(TwoCreatorCluster), new LocalClusterOptions
    {
        Instances =
        [
            new("event-persister-1", [Roles.EventPersister]),
            new("event-persister-2", [Roles.EventPersister]),
            new("event-creator-1", [Roles.EventCreator]),
            new("event-creator-2", [Roles.EventCreator]),
            new(Readers, [Roles.ClientReader, Roles.SyncReader, Roles.StreamWriter]),
        ],
    }, null);

    [OneTimeTearDown]
    public async Task Stop() => await ClusterFixture.StopAsync(nameof(TwoCreatorCluster), _cluster);
}

/// <summary>A test class on the <see cref="TwoCreatorCluster"/>.</summary>
public abstract class TwoCreatorClusterTest
{
    protected static LocalCluster Cluster => TwoCreatorCluster.Instance;

    [TearDown]
    public void PrintOutputOnFailure() => ClusterFixture.PrintOutputOnFailure(Cluster);

    protected static Task<ClusterUser> RegisterUserAsync() => Cluster.RegisterUserAsync(TwoCreatorCluster.Readers);
}
