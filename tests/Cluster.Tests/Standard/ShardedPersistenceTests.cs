using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClusterTests.Fixtures;
using Npgsql;

namespace Cluster.ClusterTests.Standard;

/// <summary>
/// Rooms created through a separate event creator process are written by the persister that
/// owns their shard, reached over internal HTTP, and their events reach a separate sync reader.
/// </summary>
public sealed class ShardedPersistenceTests : StandardClusterTest
{
    private const int MaxRooms = 40;

    private ClusterUser _alice = null!;
    private readonly List<string> _rooms = [];

    [OneTimeSetUp]
    public async Task CreateRoomsOnBothShards()
    {
        _alice = await Cluster.RegisterUserAsync();
        using var creator = Cluster.Client(Creator, _alice);
        // Until both shards have rooms (each room lands on either with even odds).
        while (_rooms.Count < MaxRooms && _rooms.Select(r => Cluster.Topology.PersisterOf(r).Name).Distinct().Count() < 2)
        {
            var created = (await creator.PostAsync("/_matrix/client/v3/createRoom", new JsonObject { ["name"] = $"room {_rooms.Count}" })).Ok();
            var roomId = created["room_id"]!.GetValue<string>();
            (await creator.PutAsync($"/_matrix/client/v3/rooms/{roomId}/send/m.room.message/t{_rooms.Count}",
                new JsonObject { ["msgtype"] = "m.text", ["body"] = "hello" })).Ok();
            _rooms.Add(roomId);
        }
    }

    [Test]
    public void Rooms_created_through_the_creator_land_on_both_persisters()
    {
        var owners = _rooms.Select(r => Cluster.Topology.PersisterOf(r).Name).Distinct().Order().ToArray();
        Assert.That(owners, Is.EqualTo(new[] { "event-persister-1", "event-persister-2" }));
    }

    [Test]
    public async Task Every_event_of_a_room_is_written_by_its_shard_owner()
    {
        await using var dataSource = NpgsqlDataSource.Create(Cluster.DatabaseConnectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT e.room_id, i.instance_name, count(*) FROM events e JOIN instances i USING (instance_id) " +
            "WHERE e.room_id = ANY($1) GROUP BY e.room_id, i.instance_name");
        command.Parameters.AddWithValue(_rooms.ToArray());
        var writers = new List<(string Room, string Writer, long Count)>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                writers.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));

        Assert.That(writers.Select(w => w.Room).Distinct(), Is.EquivalentTo(_rooms), "every room has events");
        Assert.That(writers.Where(w => w.Writer != Cluster.Topology.PersisterOf(w.Room).Name),
            Is.Empty, "events written by an instance that does not own the room's shard");
    }

    [Test]
    public async Task A_message_sent_through_the_creator_reaches_sync_on_the_sync_reader()
    {
        using var sync = Cluster.Client(SyncReader, _alice);
        using var creator = Cluster.Client(Creator, _alice);
        var since = await sync.SyncTokenAsync();
        var room = _rooms[0];
        var sent = (await creator.PutAsync($"/_matrix/client/v3/rooms/{room}/send/m.room.message/sync-probe",
            new JsonObject { ["msgtype"] = "m.text", ["body"] = "through the cluster" })).Ok()["event_id"]!.GetValue<string>();

        await sync.SyncUntilAsync(since, body => body.Timeline(room).HasEvent(sent));
    }

    [Test]
    public async Task A_persister_refuses_a_room_of_the_other_shard()
    {
        var room = _rooms.First(r => Cluster.Topology.PersisterOf(r).Name == "event-persister-2");
        var before = await CountEventsAsync(room);

        using var persister1 = InternalClient("event-persister-1", Cluster.Topology.ClusterSecret);
        var response = await persister1.PostAsync("/_internal/events/persist", await PersistRequestReplayingAsync(room));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.MisdirectedRequest), response.Body?.ToJsonString());
        Assert.That(response.ErrCode, Is.EqualTo("CLUSTER_NOT_ROOM_OWNER"));
        Assert.That(response.Object["owner"]?.GetValue<string>(), Is.EqualTo("event-persister-2"));
        Assert.That(await CountEventsAsync(room), Is.EqualTo(before));
    }

    [Test]
    public async Task The_owner_refuses_an_event_not_built_on_the_rooms_extremities_as_moved_on()
    {
        var room = _rooms.First(r => Cluster.Topology.PersisterOf(r).Name == "event-persister-1");
        var before = await CountEventsAsync(room);

        using var owner = InternalClient("event-persister-1", Cluster.Topology.ClusterSecret);
        var response = await owner.PostAsync("/_internal/events/persist", await PersistRequestReplayingAsync(room));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Conflict), response.Body?.ToJsonString());
        Assert.That(response.ErrCode, Is.EqualTo("CLUSTER_ROOM_MOVED_ON"));
        Assert.That(await CountEventsAsync(room), Is.EqualTo(before));
    }

    [TestCase("event-persister-1", "/_internal/events/persist")]
    [TestCase(Creator, "/_internal/profile/propagate")]
    public async Task Internal_endpoints_refuse_calls_without_the_cluster_secret(string instance, string path)
    {
        using var client = InternalClient(instance, secret: null);
        var response = await client.PostAsync(path, new JsonObject());
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Forbidden), response.Body?.ToJsonString());
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [TestCase("event-persister-1", "/_internal/events/persist")]
    [TestCase(Creator, "/_internal/profile/propagate")]
    public async Task Internal_endpoints_refuse_a_wrong_cluster_secret(string instance, string path)
    {
        using var client = InternalClient(instance, new string('x', Cluster.Topology.ClusterSecret.Length));
        var response = await client.PostAsync(path, new JsonObject());
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Forbidden), response.Body?.ToJsonString());
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [Test]
    public async Task The_persist_endpoint_is_not_served_on_the_public_port()
    {
        var room = _rooms.First(r => Cluster.Topology.PersisterOf(r).Name == "event-persister-1");
        using var persister = Cluster.Client("event-persister-1");
        persister.Http.DefaultRequestHeaders.Add("X-Cluster-Secret", Cluster.Topology.ClusterSecret);
        var response = await persister.PostAsync("/_internal/events/persist", await PersistRequestReplayingAsync(room));
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.NotFound), response.Body?.ToJsonString());
        Assert.That(response.ErrCode, Is.EqualTo("M_UNRECOGNIZED"));
    }

    [Test]
    public async Task The_profile_endpoint_is_not_served_on_the_public_port()
    {
        using var creator = Cluster.Client(Creator);
        creator.Http.DefaultRequestHeaders.Add("X-Cluster-Secret", Cluster.Topology.ClusterSecret);
        var response = await creator.PostAsync("/_internal/profile/propagate", new JsonObject { ["user_id"] = _alice.UserId });
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.NotFound), response.Body?.ToJsonString());
        Assert.That(response.ErrCode, Is.EqualTo("M_UNRECOGNIZED"));
    }

    [Test]
    public async Task A_malformed_persist_request_is_400_M_BAD_JSON()
    {
        using var persister = InternalClient("event-persister-1", Cluster.Topology.ClusterSecret);
        var response = await persister.PostAsync("/_internal/events/persist",
            new JsonObject { ["room_id"] = _rooms[0], ["room_version"] = "10", ["events"] = new JsonArray(new JsonObject { ["event_id"] = "$x" }) });
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest), response.Body?.ToJsonString());
        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task A_profile_propagation_for_a_malformed_user_id_is_400_M_INVALID_PARAM()
    {
        using var creator = InternalClient(Creator, Cluster.Topology.ClusterSecret);
        var response = await creator.PostAsync("/_internal/profile/propagate", new JsonObject { ["user_id"] = "not a user" });
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest), response.Body?.ToJsonString());
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    // A well-formed request: the room's latest event again, exactly as stored (so its prev
    // events are no longer the room's extremities).
    private async Task<JsonObject> PersistRequestReplayingAsync(string room)
    {
        await using var dataSource = NpgsqlDataSource.Create(Cluster.DatabaseConnectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT e.event_id, e.json, r.room_version FROM events e JOIN rooms r USING (room_id) WHERE e.room_id = $1 ORDER BY e.stream_ordering DESC LIMIT 1");
        command.Parameters.AddWithValue(room);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True);
        return new JsonObject
        {
            ["room_id"] = room,
            ["room_version"] = reader.GetString(2),
            ["events"] = new JsonArray(new JsonObject
            {
                ["event_id"] = reader.GetString(0),
                ["canonical_json"] = Convert.ToBase64String((byte[])reader[1]),
            }),
        };
    }

    private async Task<long> CountEventsAsync(string room)
    {
        await using var dataSource = NpgsqlDataSource.Create(Cluster.DatabaseConnectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM events WHERE room_id = $1");
        command.Parameters.AddWithValue(room);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private MatrixTestClient InternalClient(string instance, string? secret)
    {
        var http = new HttpClient { BaseAddress = Cluster.Internal(instance), Timeout = TimeSpan.FromSeconds(30) };
        if (secret is not null)
            http.DefaultRequestHeaders.Add("X-Cluster-Secret", secret);
        return new MatrixTestClient(http, accessToken: null);
    }
}
