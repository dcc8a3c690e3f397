using Cluster.ClusterTests.Fixtures;

namespace Cluster.ClusterTests.Standard;

/// <summary>
/// One cluster for every test class of this namespace, each role in a process of its own: Main,
/// two event persisters, an event creator, a client reader, a sync reader and a stream writer.
/// Its tests leave the cluster running as they found it (nothing is killed here).
/// </summary>
[SetUpFixture]
public sealed class StandardCluster
{
    private static LocalCluster? _cluster;

    public static LocalCluster Instance => _cluster ?? throw new InvalidOperationException("The standard cluster is not started.");

    [OneTimeSetUp]
    public async Task Start() => _cluster = await ClusterFixture.StartAsync(nameof(StandardCluster), LocalClusterOptions.Standard(), null);

    [OneTimeTearDown]
    public async Task Stop() => await ClusterFixture.StopAsync(nameof(StandardCluster), _cluster);
}

/// <summary>A test class on the <see cref="StandardCluster"/>.</summary>
public abstract class StandardClusterTest
{
    protected const string Creator = "event-creator-1";
    protected const string ClientReader = "client-reader-1";
    protected const string SyncReader = "sync-reader-1";
    protected const string StreamWriter = "stream-writer-1";

    protected static LocalCluster Cluster => StandardCluster.Instance;

    [TearDown]
    public void PrintOutputOnFailure() => ClusterFixture.PrintOutputOnFailure(Cluster);
}
