using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.FederationReader.Transactions;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// Three homeservers on loopback share one room: users of B and C join a room created on A
/// through A (make_join/send_join), messages from every server reach every other, every server
/// ends with the same events, and each event arrives at each other server exactly once.
/// </summary>
public class RoomsAcrossServersTests
{
    private readonly List<Homeserver> _servers = [];

    [OneTimeSetUp]
    public async Task StartServers()
    {
        for (var i = 0; i < 3; i++)
            _servers.Add(await FederatedServers.StartAsync(new Dictionary<string, string>
            {
                ["Cluster:Federation:Sender:MinBackoff"] = "00:00:00.200",
                ["Cluster:Federation:Sender:MaxBackoff"] = "00:00:02",
            }));
    }

    [OneTimeTearDown]
    public async Task StopServers()
    {
        foreach (var server in _servers)
            await server.DisposeAsync();
    }

    private static async Task<IReadOnlySet<string>> TimelineIdsAsync(Homeserver server, TestUser user, string roomId)
    {
        var page = (await user.Client.GetAsync($"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/messages?dir=b&limit=1000")).Ok();
        return page["chunk"]!.AsArray().Select(e => e!["event_id"].Str()).ToHashSet();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting until {what}");
            await Task.Delay(100);
        }
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
        await WaitUntilAsync(async () => (await TimelineIdsAsync(b, bob, roomId)).Contains(fromAlice), "alice's message reaches B");
        var fromBob = await bob.SendMessageAsync(roomId, "hello A");
        await WaitUntilAsync(async () => (await TimelineIdsAsync(a, alice, roomId)).Contains(fromBob), "bob's message reaches A");

        var sync = await bob.SyncAsync();
        Assert.That(sync.JoinedRoom(roomId)?.Timeline().Select(e => e["event_id"].Str()), Does.Contain(fromAlice));
    }

    [Test]
    public async Task Three_servers_exchange_300_messages_and_each_event_arrives_at_each_server_once()
    {
        var users = new List<TestUser>();
        foreach (var server in _servers)
            users.Add(await server.RegisterUserAsync());
        var roomId = await users[0].CreatePublicRoomAsync();
        for (var i = 1; i < 3; i++)
            (await users[i].Client.PostAsync($"/_matrix/client/v3/join/{RoomTestHelpers.Path(roomId)}?via={Uri.EscapeDataString(_servers[0].ServerName)}",
                new JsonObject())).Ok();
        // Every server knows every member before counting: the joins travel too.
        for (var i = 0; i < 3; i++)
        {
            var (server, user) = (_servers[i], users[i]);
            await WaitUntilAsync(async () =>
                (await user.Client.GetAsync($"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/joined_members")).Ok()["joined"]!.AsObject().Count == 3,
                $"server {i} lists all three members");
        }
        var takenBefore = _servers.Select(s => s.Service<InboundPduQueue>().Taken).ToArray();

        var sent = new List<string>[3] { [], [], [] };
        for (var i = 0; i < 300; i++)
            sent[i % 3].Add(await users[i % 3].SendMessageAsync(roomId, $"message {i}"));
        var all = sent.SelectMany(s => s).ToHashSet();

        for (var i = 0; i < 3; i++)
        {
            var (server, user) = (_servers[i], users[i]);
            await WaitUntilAsync(async () => (await TimelineIdsAsync(server, user, roomId)).IsSupersetOf(all), $"server {i} has all 300 messages", 120);
        }
        var states = new List<IReadOnlyList<StateEntry>>();
        foreach (var server in _servers)
            states.Add(await server.Service<RoomStateStore>().GetCurrentStateIdsAsync(roomId, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(states[1], Is.EqualTo(states[0]), "B's room state differs from A's");
            Assert.That(states[2], Is.EqualTo(states[0]), "C's room state differs from A's");
            for (var i = 0; i < 3; i++)
            {
                var fromOthers = sent.Where((_, j) => j != i).Sum(s => s.Count);
                Assert.That(_servers[i].Service<InboundPduQueue>().Taken - takenBefore[i], Is.EqualTo(fromOthers),
                    $"server {i} took another number of PDUs than the other servers sent");
            }
        });
    }
}
