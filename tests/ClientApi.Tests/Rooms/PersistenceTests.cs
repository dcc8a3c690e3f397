using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Replication.Hosting;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams.Events;
using Cluster.Replication.Tokens;
using Cluster.Shared.Configuration;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Events;
using Cluster.Shared.Storage.Keys;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>What persisting leaves in PostgreSQL and on the events stream, and how events are signed.</summary>
public class PersistenceTests : HomeserverFixture
{
    private TestUser _alice = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
    }

    [Test]
    public async Task Events_are_signed_with_the_key_kept_in_the_database()
    {
        var room = await _alice.CreateRoomAsync();
        var eventId = await _alice.SendMessageAsync(room, "signed");
        var stored = await Server.Service<EventStore>().GetEventAsync(eventId, CancellationToken.None);
        await using var data = NpgsqlDataSource.Create(Server.DatabaseConnectionString);
        await using var command = data.CreateCommand("SELECT key_version, seed FROM server_signing_keys WHERE server_name = $1");
        command.Parameters.AddWithValue(Server.ServerName);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True, "no key row");
        using var key = Ed25519SigningKey.FromSeed(reader.GetString(0), reader.GetFieldValue<byte[]>(1));
        var verification = EventSigning.Verify(stored!.ParseJson(), stored.RoomVersion, Server.ServerName, key.VerifyKey);
        Assert.That(verification.Status, Is.EqualTo(EventVerificationStatus.Valid));
    }

    [Test]
    public async Task Every_process_of_a_cluster_gets_the_same_database_key()
    {
        var options = Options.Create(new ClusterOptions { ServerName = Server.ServerName });
        await using var data = NpgsqlDataSource.Create(Server.DatabaseConnectionString);
        var first = await new ServerSigningKeyProvider(options, new SigningKeyStore(data), NullLogger<ServerSigningKeyProvider>.Instance)
            .GetAsync(CancellationToken.None);
        var second = await new ServerSigningKeyProvider(options, new SigningKeyStore(data), NullLogger<ServerSigningKeyProvider>.Instance)
            .GetAsync(CancellationToken.None);
        var served = await Server.Service<ServerSigningKeyProvider>().GetAsync(CancellationToken.None);
        Assert.That(first.KeyId, Is.EqualTo(served.KeyId));
        Assert.That(second.PublicKeyBase64, Is.EqualTo(served.PublicKeyBase64));
    }

    [Test]
    public async Task A_configured_key_file_signs_instead_of_the_database_key()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"signing-{Guid.NewGuid():N}.key");
        using var fileKey = Ed25519SigningKey.Generate("filekey");
        SigningKeyFile.Write(path, [fileKey]);
        try
        {
            await using var server = await Homeserver.StartAsync(new Dictionary<string, string> { ["Cluster:SigningKeyPath"] = path });
            var user = await server.RegisterUserAsync();
            var room = await user.CreateRoomAsync();
            var stored = await server.Service<EventStore>().GetEventAsync(
                (await server.Service<RoomStateStore>().GetCurrentStateIdsAsync(room, CancellationToken.None)).First().EventId, CancellationToken.None);
            var signatures = stored!.ParseJson()["signatures"]![server.ServerName]!.AsObject();
            Assert.That(signatures.Select(kv => kv.Key), Is.EqualTo(new[] { "ed25519:filekey" }));
            Assert.That(EventSigning.Verify(stored.ParseJson(), stored.RoomVersion, server.ServerName, fileKey.VerifyKey).IsValid, Is.True);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task The_events_stream_announces_a_summary_of_each_event()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        var join = await Server.Service<RoomStateStore>().GetCurrentStateEventAsync(room, "m.room.member", bob.UserId, CancellationToken.None);
        var target = StreamPositionVector.Create(0, new WriterPosition(join!.InstanceId, join.StreamOrdering));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Server.Service<StreamNotifier>().WaitUntilReachedAsync("events", target, timeout.Token);

        var host = Server.Service<StreamHost<EventStreamRow>>();
        var rows = await host.Store.ReadRowsBetweenAsync(
            StreamPositionVector.At(join.StreamOrdering - 1), StreamPositionVector.At(join.StreamOrdering), 10, CancellationToken.None);
        Assert.That(rows.Select(r => r.Data), Is.EqualTo(new[]
        {
            new EventStreamRow(join.EventId, room, "m.room.member", bob.UserId, "join"),
        }));
        Assert.That(rows[0].WriterId, Is.EqualTo(join.InstanceId));
    }

    [Test]
    public async Task Catch_up_reads_a_writers_events_in_order()
    {
        var room = await _alice.CreateRoomAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add(await _alice.SendMessageAsync(room, $"c{i}"));
        var events = Server.Service<EventStore>();
        var first = await events.GetEventAsync(ids[0], CancellationToken.None);
        var last = await events.GetEventAsync(ids[^1], CancellationToken.None);
        var rows = await Server.Service<StreamHost<EventStreamRow>>().Store.ReadWriterRowsAsync(
            first!.InstanceId, first.StreamOrdering - 1, last!.StreamOrdering, 100, CancellationToken.None);
        Assert.That(rows.Select(r => r.Data.EventId), Is.EqualTo(ids));
    }

    [Test]
    public async Task Each_event_gets_graph_edges_and_a_state_group()
    {
        var room = await _alice.CreateRoomAsync();
        var eventId = await _alice.SendMessageAsync(room, "edges");
        var pdu = (await Server.Service<EventStore>().GetEventAsync(eventId, CancellationToken.None))!.ToPdu();
        Assert.That(await CountAsync("SELECT count(*) FROM event_edges WHERE event_id = $1", eventId), Is.EqualTo(pdu.PrevEventIds.Count));
        Assert.That(await CountAsync("SELECT count(*) FROM event_auth_edges WHERE event_id = $1", eventId), Is.EqualTo(pdu.AuthEventIds.Count));
        Assert.That(await CountAsync("SELECT count(*) FROM event_to_state_groups WHERE event_id = $1", eventId), Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT count(*) FROM room_forward_extremities WHERE room_id = $1", room), Is.EqualTo(1));
        Assert.That(pdu.AuthEventIds, Has.Count.EqualTo(2), "v12: power levels and the sender's membership, never the create event");
    }

    [Test]
    public async Task Long_runs_of_state_changes_write_full_snapshots_and_keep_the_state_right()
    {
        var room = await _alice.CreateRoomAsync();
        for (var i = 0; i < RoomEventWriter.MaxDeltaChainLength + 10; i++)
            (await _alice.PutStateAsync(room, "org.example.counter", $"k{i % 7}", new JsonObject { ["n"] = i })).Ok();
        var last = await _alice.SendMessageAsync(room, "after");

        Assert.That(await CountAsync("SELECT max(delta_chain_length) FROM state_groups WHERE room_id = $1", room),
            Is.LessThanOrEqualTo(RoomEventWriter.MaxDeltaChainLength));
        Assert.That(await CountAsync("SELECT count(*) FROM state_groups WHERE room_id = $1 AND prev_state_group IS NULL", room),
            Is.GreaterThanOrEqualTo(2), "the create event's empty group and at least one full snapshot");

        var state = Server.Service<RoomStateStore>();
        var before = await state.GetStateIdsBeforeEventAsync(last, null, CancellationToken.None);
        var current = await state.GetCurrentStateIdsAsync(room, CancellationToken.None);
        Assert.That(before, Is.EquivalentTo(current.ToDictionary(e => (e.Type, e.StateKey), e => e.EventId)));
    }

    [Test]
    public async Task Member_events_record_their_membership_in_current_state_and_history()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        (await bob.LeaveAsync(room)).Ok();
        var history = await Server.Service<RoomMembershipStore>().GetMembershipHistoryAsync(room, bob.UserId, CancellationToken.None);
        Assert.That(history.Select(h => h.Membership), Is.EqualTo(new[] { "join", "leave" }));
        var current = await Server.Service<RoomStateStore>().GetCurrentStateEventAsync(room, "m.room.member", bob.UserId, CancellationToken.None);
        Assert.That(current!.Membership, Is.EqualTo("leave"));
        Assert.That(current.ReplacesState, Is.EqualTo(history[0].EventId));
    }

    [Test]
    public async Task Consecutive_messages_share_the_state_group_before_them()
    {
        var room = await _alice.CreateRoomAsync();
        var first = await _alice.SendMessageAsync(room, "one");
        var second = await _alice.SendMessageAsync(room, "two");
        var groups = Server.Service<RoomStateStore>();
        Assert.That(await groups.GetStateGroupBeforeEventAsync(second, CancellationToken.None),
            Is.EqualTo(await groups.GetStateGroupBeforeEventAsync(first, CancellationToken.None)));
    }

    [Test]
    public async Task A_message_after_a_state_event_has_that_state_event_in_the_state_before_it()
    {
        var room = await _alice.CreateRoomAsync();
        await _alice.SendMessageAsync(room, "before");
        var put = await _alice.PutStateAsync(room, "org.example.flag", "", new JsonObject { ["on"] = true });
        put.Ok();
        var stateEventId = put.Object["event_id"]!.GetValue<string>();
        var message = await _alice.SendMessageAsync(room, "after");

        var state = Server.Service<RoomStateStore>();
        var before = await state.GetStateIdsBeforeEventAsync(message, null, CancellationToken.None);
        Assert.That(before![("org.example.flag", "")], Is.EqualTo(stateEventId));
        var current = await state.GetCurrentStateIdsAsync(room, CancellationToken.None);
        Assert.That(before, Is.EquivalentTo(current.ToDictionary(e => (e.Type, e.StateKey), e => e.EventId)));
    }

    [Test]
    public async Task A_write_expecting_other_forward_extremities_is_refused()
    {
        var room = await _alice.CreateRoomAsync();
        var message = await _alice.SendMessageAsync(room, "tip");
        await using var connection = new NpgsqlConnection(Server.DatabaseConnectionString);
        await connection.OpenAsync();
        async Task LockExpectingAsync(string roomId, string extremity)
        {
            await using var command = new NpgsqlCommand("SELECT lock_room_expecting_extremities($1, $2)", connection);
            command.Parameters.AddWithValue(roomId);
            command.Parameters.AddWithValue(new[] { extremity });
            await command.ExecuteNonQueryAsync();
        }

        Assert.DoesNotThrowAsync(() => LockExpectingAsync(room, message));
        var moved = Assert.ThrowsAsync<PostgresException>(() => LockExpectingAsync(room, "$elsewhere"));
        Assert.That(moved!.SqlState, Is.EqualTo(RoomEventWriter.ExtremitiesMovedSqlState));
        var unknown = Assert.ThrowsAsync<PostgresException>(() => LockExpectingAsync("!nowhere:" + Server.ServerName, message));
        Assert.That(unknown!.SqlState, Is.EqualTo(RoomEventWriter.ExtremitiesMovedSqlState));
    }

    [Test]
    public async Task A_message_is_written_when_the_room_moved_on_since_the_persisters_last_write()
    {
        var room = await _alice.CreateRoomAsync();
        var first = await _alice.SendMessageAsync(room, "one");
        // Another writer's fork: the room's create event is an extremity again, unknown to this persister.
        var create = (await Server.Service<RoomStateStore>().GetCurrentStateIdsAsync(room, CancellationToken.None))
            .Single(e => e.Type == "m.room.create").EventId;
        await CountAsync("WITH i AS (INSERT INTO room_forward_extremities (room_id, event_id) VALUES ($1, $2) RETURNING 1) SELECT count(*) FROM i", room, create);

        var second = await _alice.SendMessageAsync(room, "two");

        var pdu = (await Server.Service<EventStore>().GetEventAsync(second, CancellationToken.None))!.ToPdu();
        Assert.That(pdu.PrevEventIds, Is.EqualTo(new[] { first }));
        Assert.That(await CountAsync("SELECT count(*) FROM room_forward_extremities WHERE room_id = $1 AND event_id = ANY($2)",
            room, new[] { create, second }), Is.EqualTo(2));
        Assert.That(await CountAsync("SELECT count(*) FROM room_forward_extremities WHERE room_id = $1", room), Is.EqualTo(2));
    }

    private async Task<long> CountAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Server.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
            command.Parameters.AddWithValue(p);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
