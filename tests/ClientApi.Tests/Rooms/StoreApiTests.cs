using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Shared.Storage.Events;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>The store methods /sync and /messages build on, against rooms made through the API.</summary>
public class StoreApiTests : HomeserverFixture
{
    private TestUser _alice = null!;
    private EventStore _events = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
        _events = Server.Service<EventStore>();
    }

    private async Task<(string Room, List<StoredEvent> Messages)> RoomWithMessagesAsync(int count)
    {
        var room = await _alice.CreateRoomAsync();
        var messages = new List<StoredEvent>();
        for (var i = 0; i < count; i++)
            messages.Add((await _events.GetEventAsync(await _alice.SendMessageAsync(room, $"m{i}"), CancellationToken.None))!);
        return (room, messages);
    }

    [Test]
    public async Task Room_events_by_stream_returns_the_newest_n_oldest_first_and_says_it_is_limited()
    {
        var (room, messages) = await RoomWithMessagesAsync(5);
        var slice = await _events.GetRoomEventsByStreamAsync(room, null, StreamBound.At(messages[^1].StreamOrdering), 3, CancellationToken.None);
        Assert.That(slice.Events.Select(e => e.EventId), Is.EqualTo(messages.TakeLast(3).Select(m => m.EventId)));
        Assert.That(slice.Limited, Is.True);
    }

    [Test]
    public async Task Room_events_by_stream_between_two_positions_is_not_limited_when_all_fit()
    {
        var (room, messages) = await RoomWithMessagesAsync(4);
        var slice = await _events.GetRoomEventsByStreamAsync(room, StreamBound.At(messages[1].StreamOrdering),
            StreamBound.At(messages[3].StreamOrdering), 10, CancellationToken.None);
        Assert.That(slice.Events.Select(e => e.EventId), Is.EqualTo(new[] { messages[2].EventId, messages[3].EventId }));
        Assert.That(slice.Limited, Is.False);
    }

    [Test]
    public async Task Room_events_by_stream_respects_a_writer_listed_behind_the_others()
    {
        var (room, messages) = await RoomWithMessagesAsync(3);
        var writer = messages[0].InstanceId;
        // Every writer far ahead except the room's, which is at the first message.
        var bound = new StreamBound(messages[^1].StreamOrdering + 100, [(writer, messages[0].StreamOrdering)]);
        var slice = await _events.GetRoomEventsByStreamAsync(room, StreamBound.At(messages[0].StreamOrdering - 1), bound, 10, CancellationToken.None);
        Assert.That(slice.Events.Select(e => e.EventId), Is.EqualTo(new[] { messages[0].EventId }));
    }

    [Test]
    public async Task Pagination_walks_backwards_from_a_position_including_its_event()
    {
        var (room, messages) = await RoomWithMessagesAsync(4);
        var from = new TopologicalPosition(messages[2].TopologicalOrdering, messages[2].StreamOrdering);
        var page = await _events.PaginateRoomEventsAsync(room, from, PaginationDirection.Backwards, 2, CancellationToken.None);
        Assert.That(page.Select(e => e.EventId), Is.EqualTo(new[] { messages[2].EventId, messages[1].EventId }));
    }

    [Test]
    public async Task Pagination_walks_forwards_from_a_position_excluding_its_event()
    {
        var (room, messages) = await RoomWithMessagesAsync(4);
        var from = new TopologicalPosition(messages[1].TopologicalOrdering, messages[1].StreamOrdering);
        var page = await _events.PaginateRoomEventsAsync(room, from, PaginationDirection.Forwards, 10, CancellationToken.None);
        Assert.That(page.Select(e => e.EventId), Is.EqualTo(new[] { messages[2].EventId, messages[3].EventId }));
    }

    [Test]
    public async Task Rooms_for_user_gives_each_membership_with_its_stream_position()
    {
        var bob = await Server.RegisterUserAsync();
        var joined = await _alice.CreatePublicRoomAsync();
        var invited = await _alice.CreateRoomAsync(new JsonObject { ["invite"] = new JsonArray(bob.UserId) });
        (await bob.JoinAsync(joined)).Ok();
        var memberships = Server.Service<RoomMembershipStore>();
        var rooms = await memberships.GetRoomsForUserAsync(bob.UserId, null, CancellationToken.None);
        Assert.That(rooms.Select(r => (r.RoomId, r.Membership)), Is.EquivalentTo(new[] { (invited, "invite"), (joined, "join") }));
        var join = await _events.GetEventAsync(rooms.Single(r => r.RoomId == joined).EventId, CancellationToken.None);
        Assert.That(rooms.Single(r => r.RoomId == joined).StreamOrdering, Is.EqualTo(join!.StreamOrdering));
        var onlyInvites = await memberships.GetRoomsForUserAsync(bob.UserId, ["invite"], CancellationToken.None);
        Assert.That(onlyInvites.Select(r => r.RoomId), Is.EqualTo(new[] { invited }));
    }

    [Test]
    public async Task Membership_changes_between_positions_are_those_of_the_range()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        var memberships = Server.Service<RoomMembershipStore>();
        var afterJoin = (await memberships.GetMembershipHistoryAsync(room, bob.UserId, CancellationToken.None))[^1].StreamOrdering;
        (await bob.LeaveAsync(room)).Ok();
        var changes = await memberships.GetMembershipChangesAsync(bob.UserId, StreamBound.At(afterJoin), StreamBound.At(long.MaxValue / 2), CancellationToken.None);
        Assert.That(changes.Select(c => (c.RoomId, c.Membership)), Is.EqualTo(new[] { (room, "leave") }));
    }

    [Test]
    public async Task State_before_and_after_an_event()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["name"] = "one" });
        var rename = (await _alice.PutStateAsync(room, "m.room.name", "", new JsonObject { ["name"] = "two" })).Ok()["event_id"].Str();
        var state = Server.Service<RoomStateStore>();
        var stored = await _events.GetEventAsync(rename, CancellationToken.None);
        var before = await state.GetStateIdsBeforeEventAsync(rename, [("m.room.name", "")], CancellationToken.None);
        var after = await state.GetStateIdsAfterEventAsync(stored!, [("m.room.name", "")], CancellationToken.None);
        Assert.That(before![("m.room.name", "")], Is.EqualTo(stored!.ReplacesState));
        Assert.That(after![("m.room.name", "")], Is.EqualTo(rename));
    }

    [Test]
    public async Task Visibility_filters_a_batch_of_events_for_a_user()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await _alice.CreateRoomAsync(new JsonObject
        {
            ["preset"] = "public_chat",
            ["initial_state"] = new JsonArray(new JsonObject
            {
                ["type"] = "m.room.history_visibility", ["content"] = new JsonObject { ["history_visibility"] = "joined" },
            }),
        });
        var hidden = await _alice.SendMessageAsync(room, "before");
        (await bob.JoinAsync(room)).Ok();
        var shown = await _alice.SendMessageAsync(room, "after");
        var candidates = (await _events.GetEventsAsync([hidden, shown], CancellationToken.None)).Values.OrderBy(e => e.StreamOrdering).ToArray();
        var visible = await Server.Service<EventVisibility>().FilterAsync(bob.UserId, candidates, CancellationToken.None);
        Assert.That(visible.Select(e => e.EventId), Is.EqualTo(new[] { shown }));
    }
}
