using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;
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
        // One after another: a cluster starts its processes side by side already, and two at once
        // on a small machine only make each process's start (and its health deadline) slower.
        _servers.Add(await FederatedServers.StartClusterAsync(settings));
        _servers.Add(await FederatedServers.StartSingleProcessAsync(settings));
        _servers.Add(await FederatedServers.StartClusterAsync(settings));
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
    public async Task Typing_on_one_cluster_shows_in_the_sync_of_the_other_servers_users()
    {
        // Out through the first cluster's federation sender (which follows the typing stream),
        // in through the other servers' federation readers to their typing writers.
        var (roomId, users) = await FederatedRooms.SharedRoomAsync(_servers);
        var since = new string[users.Count];
        for (var i = 1; i < users.Count; i++)
            since[i] = (await users[i].SyncAsync()).NextBatch();

        (await users[0].Client.PutAsync($"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/typing/{Uri.EscapeDataString(users[0].UserId)}",
            new JsonObject { ["typing"] = true, ["timeout"] = 30_000 })).Ok();

        for (var i = 1; i < users.Count; i++)
        {
            var (user, from) = (users[i], since[i]);
            await FederatedRooms.WaitUntilAsync(async () =>
            {
                var sync = await user.SyncAsync(from, timeoutMs: 1000);
                from = sync.NextBatch();
                return (sync.JoinedRoom(roomId)?["ephemeral"]?["events"]?.AsArray() ?? [])
                    .Any(e => e!["type"].Str() == "m.typing" && e["content"]!["user_ids"]!.AsArray().Any(u => u.Str() == users[0].UserId));
            }, $"server {i}'s user sees server 0's user typing");
        }
    }

    [Test]
    public Task A_single_process_and_two_clusters_exchange_300_messages_and_each_event_arrives_at_each_server_once() =>
        FederatedRooms.ExchangeMessagesAsync(_servers, messages: 300);
}
