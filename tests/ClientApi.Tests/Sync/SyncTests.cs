using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;

namespace Cluster.ClientApi.Tests.Sync;

/// <summary>GET /sync: initial and incremental responses, long-polling, limits and the room sections.</summary>
public class SyncTests : HomeserverFixture
{
    [Test]
    public async Task Initial_sync_of_a_new_user_has_a_token_no_rooms_and_the_push_rules()
    {
        var alice = await Server.RegisterUserAsync();
        var sync = await alice.SyncAsync();
        Assert.That(sync.NextBatch(), Is.Not.Empty);
        Assert.That(sync["rooms"]!.AsObject(), Is.Empty);
        var accountData = sync["account_data"]!["events"]!.AsArray();
        Assert.That(accountData.Select(e => e!["type"]!.GetValue<string>()), Does.Contain("m.push_rules"));
        Assert.That(sync["device_one_time_keys_count"], Is.Not.Null);
    }

    [Test]
    public async Task Initial_sync_shows_a_created_room_with_its_state_and_timeline()
    {
        var alice = await Server.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["name"] = "Lobby" });
        await alice.SendMessageAsync(roomId, "hello");

        var room = (await alice.SyncAsync()).JoinedRoom(roomId)!;

        var everything = room.StateEvents().Concat(room.Timeline()).Select(e => e["type"]!.GetValue<string>()).ToList();
        Assert.That(everything, Does.Contain("m.room.create").And.Contain("m.room.name").And.Contain("m.room.power_levels"));
        Assert.That(room.TimelineBodies(), Is.EqualTo(new[] { "hello" }));
        Assert.That(room["timeline"]!["prev_batch"]!.GetValue<string>(), Does.StartWith("t"));
        Assert.That(room["summary"]!["m.joined_member_count"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task Incremental_sync_returns_only_what_is_new_since_the_token()
    {
        var alice = await Server.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync();
        await alice.SendMessageAsync(roomId, "before");
        var first = await alice.SyncAsync();
        await alice.SendMessageAsync(roomId, "after");

        var room = (await alice.SyncAsync(first.NextBatch())).JoinedRoom(roomId)!;

        Assert.That(room.TimelineBodies(), Is.EqualTo(new[] { "after" }));
        Assert.That(room["timeline"]!["limited"]!.GetValue<bool>(), Is.False);
        Assert.That(room.StateEvents(), Is.Empty);
    }

    [Test]
    public async Task Incremental_sync_with_nothing_new_has_no_rooms()
    {
        var alice = await Server.RegisterUserAsync();
        await alice.CreateRoomAsync();
        var first = await alice.SyncAsync();

        var second = await alice.SyncAsync(first.NextBatch());

        Assert.That(second["rooms"]!.AsObject(), Is.Empty);
    }

    [Test]
    public async Task A_long_poll_wakes_when_a_message_arrives_in_one_of_the_users_rooms()
    {
        var (alice, bob, roomId) = await Server.TwoUsersInARoomAsync();
        var since = (await bob.SyncAsync()).NextBatch();

        var clock = Stopwatch.StartNew();
        var poll = bob.SyncAsync(since, timeoutMs: 20000);
        await Task.Delay(300);
        await alice.SendMessageAsync(roomId, "wake up");
        var room = (await poll).JoinedRoom(roomId);

        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That(room!.TimelineBodies(), Is.EqualTo(new[] { "wake up" }));
    }

    [Test]
    [SingleProcessOnly("counts the timers of the process the server runs in")]
    public async Task A_long_poll_woken_by_a_message_leaves_no_timer_behind()
    {
        var (alice, bob, roomId) = await Server.TwoUsersInARoomAsync();
        var since = (await bob.SyncAsync()).NextBatch();
        const int polls = 40;

        var timersBefore = Timer.ActiveCount;
        for (var i = 0; i < polls; i++)
        {
            var poll = bob.SyncAsync(since, timeoutMs: 30000);
            await Task.Delay(100);
            await alice.SendMessageAsync(roomId, $"wake up {i}");
            since = (await poll).NextBatch();
        }

        // Each poll was woken long before its 30 seconds: none may leave its timeout queued.
        Assert.That(Timer.ActiveCount - timersBefore, Is.LessThan(polls / 4));
    }

    [Test]
    public async Task A_long_poll_is_not_woken_by_rooms_the_user_is_not_in_and_times_out_empty()
    {
        var alice = await Server.RegisterUserAsync();
        var stranger = await Server.RegisterUserAsync();
        var strangersRoom = await stranger.CreateRoomAsync();
        await alice.CreateRoomAsync();
        var since = (await alice.SyncAsync()).NextBatch();

        var clock = Stopwatch.StartNew();
        var poll = alice.SyncAsync(since, timeoutMs: 1500);
        await stranger.SendMessageAsync(strangersRoom, "not for alice");
        var sync = await poll;

        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(1400)));
        Assert.That(sync["rooms"]!.AsObject(), Is.Empty);
    }

    [Test]
    public async Task A_timeline_over_the_filters_limit_is_limited_with_the_newest_events()
    {
        var alice = await Server.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync();
        var since = (await alice.SyncAsync()).NextBatch();
        for (var i = 0; i < 8; i++)
            await alice.SendMessageAsync(roomId, $"m{i}");

        var room = (await alice.SyncAsync(since, filter: """{"room":{"timeline":{"limit":3}}}""")).JoinedRoom(roomId)!;

        Assert.That(room.TimelineBodies(), Is.EqualTo(new[] { "m5", "m6", "m7" }));
        Assert.That(room["timeline"]!["limited"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task An_invite_appears_in_the_invite_section_with_stripped_state()
    {
        var alice = await Server.RegisterUserAsync();
        var bob = await Server.RegisterUserAsync();
        var since = (await bob.SyncAsync()).NextBatch();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["name"] = "Secret", ["invite"] = new JsonArray(bob.UserId) });

        var sync = await bob.SyncAsync(since);

        var stripped = sync["rooms"]!["invite"]![roomId]!["invite_state"]!["events"]!.AsArray();
        Assert.That(stripped.Select(e => e!["type"]!.GetValue<string>()), Does.Contain("m.room.name").And.Contain("m.room.member"));
        Assert.That(stripped.Any(e => e!["type"]!.GetValue<string>() == "m.room.member"
            && e["state_key"]!.GetValue<string>() == bob.UserId
            && e["content"]!["membership"]!.GetValue<string>() == "invite"), Is.True);
    }

    [Test]
    public async Task Joining_after_an_invite_brings_the_rooms_full_state_in_the_next_incremental_sync()
    {
        var alice = await Server.RegisterUserAsync();
        var bob = await Server.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["name"] = "Club", ["invite"] = new JsonArray(bob.UserId) });
        var since = (await bob.SyncAsync()).NextBatch();
        (await bob.JoinAsync(roomId)).Ok();

        var room = (await bob.SyncAsync(since)).JoinedRoom(roomId)!;

        var types = room.StateEvents().Concat(room.Timeline()).Select(e => e["type"]!.GetValue<string>()).ToList();
        Assert.That(types, Does.Contain("m.room.create").And.Contain("m.room.name"));
    }

    [Test]
    public async Task Leaving_moves_the_room_to_the_leave_section()
    {
        var alice = await Server.RegisterUserAsync();
        var bob = await Server.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(roomId)).Ok();
        var since = (await bob.SyncAsync()).NextBatch();
        (await bob.LeaveAsync(roomId)).Ok();

        var sync = await bob.SyncAsync(since);

        var left = sync["rooms"]!["leave"]![roomId]!.AsObject();
        var last = left.Timeline().Last();
        Assert.That(last["type"]!.GetValue<string>(), Is.EqualTo("m.room.member"));
        Assert.That(last["content"]!["membership"]!.GetValue<string>(), Is.EqualTo("leave"));
        Assert.That(sync.JoinedRoom(roomId), Is.Null);
    }

    [Test]
    public async Task Another_users_typing_shows_as_an_ephemeral_event()
    {
        var alice = await Server.RegisterUserAsync();
        var bob = await Server.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(roomId)).Ok();
        var since = (await bob.SyncAsync()).NextBatch();
        (await alice.Client.PutAsync($"{RoomTestHelpers.V3}/rooms/{RoomTestHelpers.Path(roomId)}/typing/{Uri.EscapeDataString(alice.UserId)}",
            new JsonObject { ["typing"] = true, ["timeout"] = 30000 })).Ok();

        var room = (await bob.SyncAsync(since, timeoutMs: 5000)).JoinedRoom(roomId)!;

        var typing = room["ephemeral"]!["events"]!.AsArray().Single(e => e!["type"]!.GetValue<string>() == "m.typing");
        Assert.That(typing!["content"]!["user_ids"]!.AsArray().Select(u => u!.GetValue<string>()), Is.EqualTo(new[] { alice.UserId }));
    }

    [Test]
    public async Task A_message_from_another_user_counts_as_an_unread_notification_until_read()
    {
        var alice = await Server.RegisterUserAsync();
        var bob = await Server.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(roomId)).Ok();
        var eventId = await alice.SendMessageAsync(roomId, "ping");

        var unread = (await bob.SyncAsync()).JoinedRoom(roomId)!["unread_notifications"]!;
        Assert.That(unread["notification_count"]!.GetValue<int>(), Is.EqualTo(1));

        (await bob.Client.PostAsync($"{RoomTestHelpers.V3}/rooms/{RoomTestHelpers.Path(roomId)}/receipt/m.read/{Uri.EscapeDataString(eventId)}", new JsonObject())).Ok();
        var after = (await bob.SyncAsync()).JoinedRoom(roomId)!["unread_notifications"]!;
        Assert.That(after["notification_count"]!.GetValue<int>(), Is.Zero);
    }

    [TestCase("garbage")]
    [TestCase("1_x_3")]
    [TestCase("-5_0_0_0_0_0_0_0")]
    public async Task A_malformed_since_token_is_400_M_INVALID_PARAM(string since)
    {
        var alice = await Server.RegisterUserAsync();
        var response = await alice.Client.GetAsync($"/_matrix/client/v3/sync?since={Uri.EscapeDataString(since)}");
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [TestCase("timeout=abc", "M_INVALID_PARAM")]
    [TestCase("timeout=-1", "M_INVALID_PARAM")]
    [TestCase("full_state=yes", "M_INVALID_PARAM")]
    [TestCase("set_presence=dancing", "M_INVALID_PARAM")]
    [TestCase("filter=no-such-filter", "M_INVALID_PARAM")]
    [TestCase("filter=%7Bnot%20json", "M_NOT_JSON")]
    [TestCase("filter=%7B%22room%22%3A5%7D", "M_BAD_JSON")]
    [TestCase("filter=%7B%22a%22%3A%FF%7D", "M_NOT_JSON")]
    public async Task Malformed_sync_parameters_are_400_with_the_specs_error(string query, string errcode)
    {
        var alice = await Server.RegisterUserAsync();
        var response = await alice.Client.GetAsync($"/_matrix/client/v3/sync?{query}");
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo(errcode));
    }

    [Test]
    public async Task A_huge_inline_filter_is_refused_without_a_server_error()
    {
        var alice = await Server.RegisterUserAsync();
        var senders = new JsonArray([.. Enumerable.Range(0, 4000).Select(i => (JsonNode)$"@user{i}:example.org")]);
        var filter = new JsonObject { ["room"] = new JsonObject { ["timeline"] = new JsonObject { ["senders"] = senders } } }.ToJsonString();
        var response = await alice.Client.GetAsync($"/_matrix/client/v3/sync?filter={Uri.EscapeDataString(filter)}");
        Assert.That((int)response.Status, Is.InRange(400, 499));
    }

    [Test]
    public async Task A_token_from_the_future_is_answered_not_crashed()
    {
        var alice = await Server.RegisterUserAsync();
        var response = await alice.Client.GetAsync("/_matrix/client/v3/sync?since=999999999_0_0_0_0_0_0_0&timeout=0");
        Assert.That((int)response.Status, Is.LessThan(500));
    }

    [Test]
    public async Task Sync_without_an_access_token_is_401_M_MISSING_TOKEN()
    {
        using var anonymous = Server.NewClient();
        var response = await anonymous.GetAsync("/_matrix/client/v3/sync");
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_TOKEN"));
    }

    [Test]
    public async Task The_r0_alias_serves_the_same_sync()
    {
        var alice = await Server.RegisterUserAsync();
        var response = await alice.Client.GetAsync("/_matrix/client/r0/sync");
        Assert.That(response.Ok()["next_batch"], Is.Not.Null);
    }
}
