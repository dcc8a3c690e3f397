using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;
using Cluster.ClusterTests.Fixtures;
using NUnit.Framework.Interfaces;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// Three homeservers on loopback share one room: users of B and C join a room created on A
/// through A (make_join/send_join), messages from every server reach every other, every server
/// ends with the same events and room state, and each event arrives at each other server exactly once.
/// By default the three are single processes. Against a cluster (<c>HOMESERVER_UNDER_TEST=cluster</c>)
/// A and C are worker clusters and B the single process: each cluster has its own database and
/// Redis channel, sits behind its router and is named after it, and runs its federation reader,
/// federation sender, event persister and event creator as processes of their own, so A's
/// handshakes and every inbound PDU and EDU cross from the federation reader to another process.
/// </summary>
[NonParallelizable]
public class RoomsAcrossServersTests
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
        _servers.Add(await StartAsync(cluster: Homeserver.IsCluster, settings));
        _servers.Add(await StartAsync(cluster: false, settings));
        _servers.Add(await StartAsync(cluster: Homeserver.IsCluster, settings));
    }

    private static Task<Homeserver> StartAsync(bool cluster, IReadOnlyDictionary<string, string> settings) =>
        cluster ? FederatedServers.StartClusterAsync(settings) : FederatedServers.StartSingleProcessAsync(settings);

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
    public async Task A_user_of_another_server_joins_through_the_rooms_server_and_messages_flow_both_ways()
    {
        var (a, b) = (_servers[0], _servers[1]);
        var alice = await a.RegisterUserAsync();
        var bob = await b.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();

        var joined = await bob.Client.PostAsync($"/_matrix/client/v3/join/{RoomTestHelpers.Path(roomId)}?server_name={Uri.EscapeDataString(a.ServerName)}", new JsonObject());
        Assert.That(joined.Ok()["room_id"].Str(), Is.EqualTo(roomId));
        var members = (await alice.Client.GetAsync($"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/joined_members")).Ok();
        Assert.That(members["joined"]!.AsObject().ContainsKey(bob.UserId), Is.True, "A does not list B's user as joined");

        var fromAlice = await alice.SendMessageAsync(roomId, "hello B");
        await FederatedRooms.WaitUntilAsync(async () => (await FederatedRooms.TimelineIdsAsync(bob, roomId)).Contains(fromAlice), "alice's message reaches B");
        var fromBob = await bob.SendMessageAsync(roomId, "hello A");
        await FederatedRooms.WaitUntilAsync(async () => (await FederatedRooms.TimelineIdsAsync(alice, roomId)).Contains(fromBob), "bob's message reaches A");

        var sync = await bob.SyncAsync();
        Assert.That(sync.JoinedRoom(roomId)?.Timeline().Select(e => e["event_id"].Str()), Does.Contain(fromAlice));
    }

    [Test]
    public async Task Typing_on_the_rooms_server_shows_in_the_sync_of_the_other_servers_users()
    {
        // Out through A's federation sender (which follows the typing stream), in through the
        // other servers' federation readers to their typing writers.
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
    public Task Three_servers_exchange_300_messages_and_each_event_arrives_at_each_server_once() =>
        FederatedRooms.ExchangeMessagesAsync(_servers, messages: 300);
}
