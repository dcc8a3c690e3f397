using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;

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
    public Task Three_servers_exchange_300_messages_and_each_event_arrives_at_each_server_once() =>
        FederatedRooms.ExchangeMessagesAsync(_servers, messages: 300);
}
