using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;

namespace Cluster.ClientApi.Tests.Messages;

/// <summary>Who may page through what: membership, departure and history visibility.</summary>
public class MessagesVisibilityTests : HomeserverFixture
{
    private TestUser _alice = null!;
    private TestUser _bob = null!;
    private TestUser _stranger = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
        _bob = await Server.RegisterUserAsync();
        _stranger = await Server.RegisterUserAsync();
    }

    private async Task<string> PrivateRoomWithBobAsync()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["preset"] = "private_chat" });
        (await _alice.InviteAsync(room, _bob.UserId)).Ok();
        (await _bob.JoinAsync(room)).Ok();
        return room;
    }

    /// <summary>Bob joins, a message, Bob leaves, two more messages; returns (room, message before, Bob's leave, messages after).</summary>
    private async Task<(string Room, string Before, string Leave, string[] After)> BobLeftAsync()
    {
        var room = await PrivateRoomWithBobAsync();
        var before = await _alice.SendMessageAsync(room, "while bob is here");
        (await _bob.LeaveAsync(room)).Ok();
        var leave = (await Server.TimelineAsync(room)).Last().EventId;
        var after = new[] { await _alice.SendMessageAsync(room, "after 1"), await _alice.SendMessageAsync(room, "after 2") };
        return (room, before, leave, after);
    }

    [Test]
    public async Task A_user_never_in_a_private_room_is_403_M_FORBIDDEN()
    {
        var room = await PrivateRoomWithBobAsync();
        (await _stranger.MessagesAsync(room, "dir=b")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task An_unknown_room_is_403_like_a_private_one()
    {
        (await _stranger.MessagesAsync("!nosuchroom:test.local", "dir=b")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_user_only_invited_is_403()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["preset"] = "private_chat" });
        (await _alice.InviteAsync(room, _stranger.UserId)).Ok();
        (await _stranger.MessagesAsync(room, "dir=b")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_departed_member_paging_backwards_starts_at_their_leave()
    {
        var (room, before, leave, _) = await BobLeftAsync();
        var chunk = (await _bob.MessagesAsync(room, "dir=b&limit=2")).Ok()["chunk"].EventIds();
        Assert.That(chunk, Is.EqualTo(new[] { leave, before }));
    }

    [Test]
    public async Task A_departed_member_paging_forwards_stops_at_their_leave()
    {
        var (room, _, leave, after) = await BobLeftAsync();
        var walked = await _bob.WalkAllAsync(room, "f", 3);
        Assert.That(walked[^1], Is.EqualTo(leave));
        Assert.That(walked, Has.None.AnyOf(after));
    }

    [Test]
    public async Task A_departed_member_given_a_token_past_their_leave_sees_nothing_after_it()
    {
        var (room, _, leave, after) = await BobLeftAsync();
        var newest = (await _alice.MessagesAsync(room, "dir=b&limit=1")).Ok()["start"].Str();
        var chunk = (await _bob.MessagesAsync(room, $"dir=b&limit=5&from={newest}")).Ok()["chunk"].EventIds();
        Assert.That(chunk[0], Is.EqualTo(leave));
        Assert.That(chunk, Has.None.AnyOf(after));
    }

    [Test]
    public async Task A_departed_member_cannot_get_the_context_of_a_later_event()
    {
        var (room, _, _, after) = await BobLeftAsync();
        (await _bob.ContextAsync(room, after[0])).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task A_departed_members_context_of_an_earlier_event_stops_at_their_leave()
    {
        var (room, before, leave, after) = await BobLeftAsync();
        var body = (await _bob.ContextAsync(room, before, "limit=10")).Ok();
        Assert.That(body["events_after"].EventIds(), Is.EqualTo(new[] { leave }));
    }

    [Test]
    public async Task A_world_readable_room_can_be_paged_by_anyone()
    {
        var room = await _alice.CreatePublicRoomAsync();
        (await _alice.PutStateAsync(room, "m.room.history_visibility", "", new JsonObject { ["history_visibility"] = "world_readable" })).Ok();
        var message = await _alice.SendMessageAsync(room, "for the world");
        var chunk = (await _stranger.MessagesAsync(room, "dir=b&limit=1")).Ok()["chunk"].EventIds();
        Assert.That(chunk, Is.EqualTo(new[] { message }));
    }

    [Test]
    public async Task With_joined_visibility_a_later_member_sees_nothing_from_before_their_join()
    {
        var room = await _alice.CreatePublicRoomAsync();
        (await _alice.PutStateAsync(room, "m.room.history_visibility", "", new JsonObject { ["history_visibility"] = "joined" })).Ok();
        var early = await _alice.SendMessageAsync(room, "before bob");
        (await _bob.JoinAsync(room)).Ok();
        var late = await _alice.SendMessageAsync(room, "after bob");
        var walked = await _bob.WalkAllAsync(room, "b", 5);
        Assert.That(walked, Does.Contain(late));
        Assert.That(walked, Does.Not.Contain(early));
    }

    [Test]
    public async Task With_shared_visibility_a_later_member_sees_the_history_before_their_join()
    {
        var room = await _alice.CreatePublicRoomAsync();
        var early = await _alice.SendMessageAsync(room, "before bob");
        (await _bob.JoinAsync(room)).Ok();
        var walked = await _bob.WalkAllAsync(room, "b", 5);
        Assert.That(walked, Does.Contain(early));
    }

    [Test]
    public async Task Another_users_private_room_context_is_404()
    {
        var room = await PrivateRoomWithBobAsync();
        var message = await _alice.SendMessageAsync(room, "private");
        (await _stranger.ContextAsync(room, message)).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task The_sending_device_sees_its_transaction_id_and_others_do_not()
    {
        var room = await _alice.CreatePublicRoomAsync();
        (await _bob.JoinAsync(room)).Ok();
        var txn = "txn-" + Guid.NewGuid().ToString("N");
        var sent = (await _alice.SendAsync(room, "with txn", txn)).Ok()["event_id"].Str();
        var mine = (await _alice.MessagesAsync(room, "dir=b&limit=1")).Ok()["chunk"]![0]!;
        var theirs = (await _bob.MessagesAsync(room, "dir=b&limit=1")).Ok()["chunk"]![0]!;
        Assert.That(mine["event_id"].Str(), Is.EqualTo(sent));
        Assert.That(mine["unsigned"]!["transaction_id"].Str(), Is.EqualTo(txn));
        Assert.That(theirs["unsigned"]?["transaction_id"], Is.Null);
    }
}
