using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventPersister;
using Npgsql;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// Events received from another server, as the persister places them in a room's graph: accepted,
/// rejected or soft-failed against the right state, forks merged by state resolution, outliers
/// kept out of the timeline.
/// </summary>
[SingleProcessOnly("hands events to the persister inside the single process")]
public class ReceivedEventPersistenceTests : HomeserverFixture
{
    private const string Remote = "remote.example";
    private static readonly string Bob = $"@bob:{Remote}";

    private TestUser _alice = null!;
    private readonly RemoteEventBuilder _remote = new(Remote);

    protected override async Task OnStartedAsync() => _alice = await Server.RegisterUserAsync();

    [OneTimeTearDown]
    public void DisposeBuilder() => _remote.Dispose();

    private Task<IReadOnlyDictionary<(string Type, string StateKey), StoredEvent>> StateAsync(string roomId) =>
        Server.Service<RoomStateStore>().GetCurrentStateEventsAsync(roomId, null, CancellationToken.None);

    private async Task<StoredEvent> EventAsync(string eventId) =>
        await Server.Service<EventStore>().GetEventAsync(eventId, CancellationToken.None)
        ?? throw new AssertionException($"{eventId} is not stored");

    private async Task<ReceivedEventOutcome> ReceiveAsync(string roomId, RemoteEvent evt, bool outlier = false,
        IReadOnlyList<StateEntry>? stateBefore = null)
    {
        var version = (await StateAsync(roomId))[("m.room.create", "")].RoomVersion.Id;
        var result = await Server.Service<IEventPersistence>().PersistReceivedAsync(
            new ReceivedPersistRequest(roomId, version, [new ReceivedEvent(evt.EventId, evt.CanonicalJson, outlier, StateBefore: stateBefore)]),
            CancellationToken.None);
        return result.Events.Single();
    }

    private async Task<IReadOnlySet<string>> ExtremitiesAsync(string roomId)
    {
        await using var data = NpgsqlDataSource.Create(Server.DatabaseConnectionString);
        await using var command = data.CreateCommand("SELECT event_id FROM room_forward_extremities WHERE room_id = $1");
        command.Parameters.AddWithValue(roomId);
        var set = new HashSet<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            set.Add(reader.GetString(0));
        return set;
    }

    private async Task<(string RoomId, StoredEvent Latest)> PublicRoomAsync()
    {
        var roomId = await _alice.CreatePublicRoomAsync();
        var latest = await EventAsync(await _alice.SendMessageAsync(roomId, "hello"));
        return (roomId, latest);
    }

    private async Task<(string RoomId, StoredEvent BobJoin)> RoomWithBobAsync()
    {
        var (roomId, latest) = await PublicRoomAsync();
        var join = _remote.BuildOn(await StateAsync(roomId), "m.room.member", Bob, new JsonObject { ["membership"] = "join" }, Bob, [latest]);
        Assert.That((await ReceiveAsync(roomId, join)).Status, Is.EqualTo(ReceivedEventStatus.Accepted));
        return (roomId, await EventAsync(join.EventId));
    }

    private RemoteEvent BobMessage(IReadOnlyDictionary<(string Type, string StateKey), StoredEvent> state, StoredEvent prev, string body) =>
        _remote.BuildOn(state, "m.room.message", Bob, new JsonObject { ["msgtype"] = "m.text", ["body"] = body }, null, [prev]);

    private async Task<IReadOnlyList<string>> MessagesAsync(string roomId)
    {
        var page = (await _alice.Client.GetAsync($"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/messages?dir=b&limit=100")).Ok();
        return [.. page["chunk"]!.AsArray().Select(e => e!["event_id"].Str())];
    }

    [Test]
    public async Task A_received_join_on_the_rooms_extremity_is_accepted_and_becomes_current_state()
    {
        var (roomId, join) = await RoomWithBobAsync();
        var state = await StateAsync(roomId);
        Assert.Multiple(async () =>
        {
            Assert.That(state[("m.room.member", Bob)].EventId, Is.EqualTo(join.EventId));
            Assert.That(await ExtremitiesAsync(roomId), Is.EquivalentTo(new[] { join.EventId }));
            Assert.That(await MessagesAsync(roomId), Does.Contain(join.EventId));
        });
        var members = (await _alice.Client.GetAsync($"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/joined_members")).Ok();
        Assert.That(members["joined"]!.AsObject().ContainsKey(Bob), Is.True);
    }

    [Test]
    public async Task A_received_message_from_a_user_not_in_the_room_is_rejected_and_never_served()
    {
        var (roomId, latest) = await PublicRoomAsync();
        var message = BobMessage(await StateAsync(roomId), latest, "let me in");
        var outcome = await ReceiveAsync(roomId, message);
        Assert.Multiple(async () =>
        {
            Assert.That(outcome.Status, Is.EqualTo(ReceivedEventStatus.Rejected));
            Assert.That(outcome.Reason, Is.Not.Null);
            Assert.That((await EventAsync(message.EventId)).RejectionReason, Is.Not.Null);
            Assert.That(await ExtremitiesAsync(roomId), Is.EquivalentTo(new[] { latest.EventId }));
            (await _alice.GetEventAsync(roomId, message.EventId)).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        });
    }

    [Test]
    public async Task Two_received_events_on_one_prev_fork_the_room_and_state_resolution_merges_them()
    {
        var (roomId, join) = await RoomWithBobAsync();
        var state = await StateAsync(roomId);
        var rename = _remote.BuildOn(state, "m.room.member", Bob,
            new JsonObject { ["membership"] = "join", ["displayname"] = "Bob on a fork" }, Bob, [join]);
        var message = BobMessage(state, join, "on the other fork");
        Assert.That((await ReceiveAsync(roomId, rename)).Status, Is.EqualTo(ReceivedEventStatus.Accepted));
        Assert.That((await ReceiveAsync(roomId, message)).Status, Is.EqualTo(ReceivedEventStatus.Accepted));

        Assert.That(await ExtremitiesAsync(roomId), Is.EquivalentTo(new[] { rename.EventId, message.EventId }));
        Assert.That((await StateAsync(roomId))[("m.room.member", Bob)].EventId, Is.EqualTo(rename.EventId));
    }

    [Test]
    public async Task A_local_event_after_a_fork_names_both_extremities_and_joins_them()
    {
        var (roomId, join) = await RoomWithBobAsync();
        var state = await StateAsync(roomId);
        var first = BobMessage(state, join, "fork one");
        var second = BobMessage(state, join, "fork two");
        await ReceiveAsync(roomId, first);
        await ReceiveAsync(roomId, second);

        var merged = await EventAsync(await _alice.SendMessageAsync(roomId, "after the fork"));
        Assert.Multiple(async () =>
        {
            Assert.That(merged.ToPdu().PrevEventIds, Is.EquivalentTo(new[] { first.EventId, second.EventId }));
            Assert.That(await ExtremitiesAsync(roomId), Is.EquivalentTo(new[] { merged.EventId }));
            Assert.That((await StateAsync(roomId))[("m.room.member", Bob)].EventId, Is.EqualTo(join.EventId));
        });
    }

    [Test]
    public async Task An_event_the_current_state_refuses_is_soft_failed_and_kept_from_clients()
    {
        var (roomId, join) = await RoomWithBobAsync();
        var stateAtJoin = await StateAsync(roomId);
        await _alice.MembershipActionAsync(roomId, "ban", Bob);
        var banExtremities = await ExtremitiesAsync(roomId);

        // Built on the join, before the ban: its own state allows it, the room's state no longer does.
        var late = BobMessage(stateAtJoin, join, "sent before I saw the ban");
        var outcome = await ReceiveAsync(roomId, late);
        Assert.Multiple(async () =>
        {
            Assert.That(outcome.Status, Is.EqualTo(ReceivedEventStatus.SoftFailed));
            Assert.That((await EventAsync(late.EventId)).SoftFailed, Is.True);
            Assert.That(await ExtremitiesAsync(roomId), Is.EquivalentTo(banExtremities));
            Assert.That(await MessagesAsync(roomId), Does.Not.Contain(late.EventId));
        });
    }

    [Test]
    public async Task An_event_on_an_unknown_prev_event_needs_the_state_before_it()
    {
        var (roomId, join) = await RoomWithBobAsync();
        var state = await StateAsync(roomId);
        var keys = Cluster.Shared.Auth.AuthEventSelection.Select(join.RoomVersion, "m.room.message", null, Bob, new JsonObject());
        var orphan = _remote.Build(join.RoomVersion, roomId, "m.room.message", Bob, new JsonObject { ["body"] = "gap" }, null,
            ["$neverseen"], [.. keys.Where(state.ContainsKey).Select(k => state[k].EventId)], join.TopologicalOrdering + 5);

        var missing = Assert.ThrowsAsync<MissingPrevStateException>(() => ReceiveAsync(roomId, orphan));
        Assert.That(missing!.Missing, Is.EqualTo(new[] { "$neverseen" }));

        var given = state.Select(kv => new StateEntry(kv.Key.Type, kv.Key.StateKey, kv.Value.EventId)).ToList();
        Assert.That((await ReceiveAsync(roomId, orphan, stateBefore: given)).Status, Is.EqualTo(ReceivedEventStatus.Accepted));
        Assert.That(await MessagesAsync(roomId), Does.Contain(orphan.EventId));
    }

    [Test]
    public async Task An_outlier_is_stored_but_never_in_the_timeline()
    {
        var (roomId, join) = await RoomWithBobAsync();
        var outlier = BobMessage(await StateAsync(roomId), join, "outlier");
        var outcome = await ReceiveAsync(roomId, outlier, outlier: true);
        Assert.Multiple(async () =>
        {
            Assert.That(outcome.Status, Is.EqualTo(ReceivedEventStatus.Outlier));
            Assert.That((await EventAsync(outlier.EventId)).Outlier, Is.True);
            Assert.That(await ExtremitiesAsync(roomId), Is.EquivalentTo(new[] { join.EventId }));
            Assert.That(await MessagesAsync(roomId), Does.Not.Contain(outlier.EventId));
        });
    }

    [Test]
    public async Task An_event_received_twice_is_stored_once()
    {
        var (roomId, join) = await RoomWithBobAsync();
        var message = BobMessage(await StateAsync(roomId), join, "twice");
        var first = await ReceiveAsync(roomId, message);
        var second = await ReceiveAsync(roomId, message);
        Assert.Multiple(() =>
        {
            Assert.That(first.Status, Is.EqualTo(ReceivedEventStatus.Accepted));
            Assert.That(second.Status, Is.EqualTo(ReceivedEventStatus.AlreadyKnown));
            Assert.That(second.StreamOrdering, Is.EqualTo(first.StreamOrdering));
        });
    }
}
