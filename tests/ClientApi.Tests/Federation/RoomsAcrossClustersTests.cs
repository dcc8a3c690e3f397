using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClusterTests.Fixtures;
using NUnit.Framework.Interfaces;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// One room across a single-process server and two worker clusters on loopback, each cluster with
/// its own database and Redis channel, behind its router and named after it, its federation
/// reader, federation sender, event persister and event creator each a process of its own. The
/// room is created on a cluster, so the other servers' joins are made through its federation
/// reader and placed by a persister in another process; every server ends with every message and
/// the same room state, and each event arrives at each server once.
/// </summary>
[NonParallelizable]
public class RoomsAcrossClustersTests
{
    private readonly List<Homeserver> _servers = [];

    [OneTimeSetUp]
    public async Task StartServers()
    {
        var settings = new Dictionary<string, string>
        {
            ["Cluster:Federation:Sender:MinBackoff"] = "00:00:00.200",
            ["Cluster:Federation:Sender:MaxBackoff"] = "00:00:02",
        };
        var starting = new[]
        {
            FederatedServers.StartClusterAsync(settings),
            FederatedServers.StartSingleProcessAsync(settings),
            FederatedServers.StartClusterAsync(settings),
        };
        try
        {
            await Task.WhenAll(starting);
        }
        finally
        {
            // Whatever started is stopped at the end, even when another failed to start.
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully))
                _servers.Add(await started);
        }
    }

    [TearDown]
    public void PrintClusterOutputOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status != TestStatus.Failed)
            return;
        foreach (var cluster in _servers.Select(s => s.WorkerCluster).OfType<LocalCluster>())
            foreach (var instance in cluster.Topology.Instances)
                TestContext.Out.WriteLine($"===== {cluster.ServerName} {instance.Name}\n{string.Join('\n', cluster.Output(instance.Name).Split('\n').TakeLast(40))}");
    }

    [OneTimeTearDown]
    public async Task StopServers()
    {
        foreach (var server in _servers)
            await server.DisposeAsync();
    }

    [Test]
    public Task A_single_process_and_two_clusters_exchange_300_messages_and_each_event_arrives_at_each_server_once() =>
        FederatedRooms.ExchangeMessagesAsync(_servers, messages: 300);
}
