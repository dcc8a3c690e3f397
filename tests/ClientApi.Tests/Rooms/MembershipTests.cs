using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using static Cluster.ClientApi.Tests.Rooms.RoomTestHelpers;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>Join, invite, leave, kick, ban, unban, knock and forget, as the auth rules decide them.</summary>
public class MembershipTests : HomeserverFixture
{
    private TestUser _alice = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
    }

    private Task<TestUser> NewUserAsync() => Server.RegisterUserAsync();

    private async Task<string> MembershipOfAsync(string roomId, string userId) =>
        (await _alice.GetStateAsync(roomId, "m.room.member", userId)).Ok()["membership"].Str();

    [Test]
    public async Task Anyone_can_join_a_public_room()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        Assert.That((await bob.JoinAsync(room)).Ok()["room_id"].Str(), Is.EqualTo(room));
        Assert.That(await MembershipOfAsync(room, bob.UserId), Is.EqualTo("join"));
    }

    [Test]
    public async Task Joining_through_rooms_path_works_too()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        var response = await bob.Client.PostAsync($"{V3}/rooms/{Path(room)}/join", new JsonObject());
        Assert.That(response.Ok()["room_id"].Str(), Is.EqualTo(room));
    }

    [Test]
    public async Task The_join_event_carries_the_profile_display_name()
    {
        var bob = await NewUserAsync();
        await Server.SetDisplayNameAsync(bob, "Bobby");
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        Assert.That((await _alice.GetStateAsync(room, "m.room.member", bob.UserId)).Ok()["displayname"].Str(), Is.EqualTo("Bobby"));
    }

    [Test]
    public async Task Joining_an_invite_only_room_without_an_invite_is_403()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreateRoomAsync();
        (await bob.JoinAsync(room)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task An_invited_user_can_join_an_invite_only_room()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreateRoomAsync();
        (await _alice.InviteAsync(room, bob.UserId)).Ok();
        Assert.That(await MembershipOfAsync(room, bob.UserId), Is.EqualTo("invite"));
        (await bob.JoinAsync(room)).Ok();
        Assert.That(await MembershipOfAsync(room, bob.UserId), Is.EqualTo("join"));
    }

    [Test]
    public async Task Joining_twice_sends_no_second_event()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        var first = (await bob.GetStateEventAsync(room, "m.room.member", bob.UserId)).Ok();
        (await bob.JoinAsync(room)).Ok();
        var second = (await bob.GetStateEventAsync(room, "m.room.member", bob.UserId)).Ok();
        Assert.That(second["event_id"].Str(), Is.EqualTo(first["event_id"].Str()));
    }

    [Test]
    public async Task Joining_an_unknown_room_is_404_M_NOT_FOUND()
    {
        var response = await _alice.JoinAsync($"!nowhere:{Server.ServerName}");
        response.ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task Joining_an_unknown_alias_is_404_M_NOT_FOUND()
    {
        var response = await _alice.JoinAsync($"#nowhere:{Server.ServerName}");
        response.ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task A_room_can_be_joined_by_its_alias()
    {
        var bob = await NewUserAsync();
        var localpart = "joinme-" + Guid.NewGuid().ToString("N")[..8];
        var room = await _alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat", ["room_alias_name"] = localpart });
        var response = await bob.JoinAsync($"#{localpart}:{Server.ServerName}");
        Assert.That(response.Ok()["room_id"].Str(), Is.EqualTo(room));
    }

    [Test]
    public async Task Inviting_a_user_already_invited_succeeds_without_a_new_event()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreateRoomAsync();
        (await _alice.InviteAsync(room, bob.UserId)).Ok();
        (await _alice.InviteAsync(room, bob.UserId)).Ok();
        Assert.That(await MembershipOfAsync(room, bob.UserId), Is.EqualTo("invite"));
    }

    [Test]
    public async Task Inviting_a_joined_user_is_403()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        (await _alice.InviteAsync(room, bob.UserId)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_non_member_cannot_invite()
    {
        var bob = await NewUserAsync();
        var carol = await NewUserAsync();
        var room = await _alice.CreateRoomAsync();
        (await bob.InviteAsync(room, carol.UserId)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task An_invitee_can_reject_the_invite_by_leaving()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreateRoomAsync();
        (await _alice.InviteAsync(room, bob.UserId)).Ok();
        (await bob.LeaveAsync(room)).Ok();
        Assert.That(await MembershipOfAsync(room, bob.UserId), Is.EqualTo("leave"));
    }

    [Test]
    public async Task A_member_can_leave()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        (await bob.LeaveAsync(room)).Ok();
        Assert.That(await MembershipOfAsync(room, bob.UserId), Is.EqualTo("leave"));
    }

    [Test]
    public async Task Leaving_a_room_one_is_not_in_is_403()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.LeaveAsync(room)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_member_who_left_an_invite_only_room_cannot_rejoin_without_a_new_invite()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreateRoomAsync(new JsonObject { ["invite"] = new JsonArray(bob.UserId) });
        (await bob.JoinAsync(room)).Ok();
        (await bob.LeaveAsync(room)).Ok();
        (await bob.JoinAsync(room)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task The_creator_can_kick_a_member_with_a_reason()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        (await _alice.MembershipActionAsync(room, "kick", bob.UserId, "spam")).Ok();
        var member = (await _alice.GetStateAsync(room, "m.room.member", bob.UserId)).Ok();
        Assert.That(member["membership"].Str(), Is.EqualTo("leave"));
        Assert.That(member["reason"].Str(), Is.EqualTo("spam"));
    }

    [Test]
    public async Task A_member_without_power_cannot_kick()
    {
        var bob = await NewUserAsync();
        var carol = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        (await carol.JoinAsync(room)).Ok();
        (await bob.MembershipActionAsync(room, "kick", carol.UserId)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task Nobody_can_kick_the_v12_creator()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreateRoomAsync(new JsonObject
        {
            ["preset"] = "public_chat",
            ["power_level_content_override"] = new JsonObject { ["users"] = new JsonObject { [bob.UserId] = 100 } },
        });
        (await bob.JoinAsync(room)).Ok();
        (await bob.MembershipActionAsync(room, "kick", _alice.UserId)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task Kicking_someone_not_in_the_room_is_403()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await _alice.MembershipActionAsync(room, "kick", bob.UserId)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_banned_user_cannot_join()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        (await _alice.MembershipActionAsync(room, "ban", bob.UserId, "rude")).Ok();
        Assert.That(await MembershipOfAsync(room, bob.UserId), Is.EqualTo("ban"));
        (await bob.JoinAsync(room)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_user_can_be_banned_before_ever_joining()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await _alice.MembershipActionAsync(room, "ban", bob.UserId)).Ok();
        (await bob.JoinAsync(room)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task An_unbanned_user_can_join_a_public_room_again()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await _alice.MembershipActionAsync(room, "ban", bob.UserId)).Ok();
        (await _alice.MembershipActionAsync(room, "unban", bob.UserId)).Ok();
        Assert.That(await MembershipOfAsync(room, bob.UserId), Is.EqualTo("leave"));
        (await bob.JoinAsync(room)).Ok();
    }

    [Test]
    public async Task Unbanning_someone_not_banned_is_403()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        (await _alice.MembershipActionAsync(room, "unban", bob.UserId)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_member_without_power_cannot_ban()
    {
        var bob = await NewUserAsync();
        var carol = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        (await bob.MembershipActionAsync(room, "ban", carol.UserId)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task Knocking_on_a_knock_room_makes_the_user_knock()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreateRoomAsync(new JsonObject
        {
            ["initial_state"] = new JsonArray(new JsonObject { ["type"] = "m.room.join_rules", ["content"] = new JsonObject { ["join_rule"] = "knock" } }),
        });
        var response = await bob.Client.PostAsync($"{V3}/knock/{Path(room)}", new JsonObject { ["reason"] = "let me in" });
        Assert.That(response.Ok()["room_id"].Str(), Is.EqualTo(room));
        Assert.That(await MembershipOfAsync(room, bob.UserId), Is.EqualTo("knock"));
        (await _alice.InviteAsync(room, bob.UserId)).Ok();
        (await bob.JoinAsync(room)).Ok();
    }

    [Test]
    public async Task Knocking_on_an_invite_only_room_is_403()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreateRoomAsync();
        (await bob.Client.PostAsync($"{V3}/knock/{Path(room)}", new JsonObject())).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task Knocking_in_a_room_version_without_knocks_is_403()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreateRoomAsync(new JsonObject { ["room_version"] = "6" });
        (await bob.Client.PostAsync($"{V3}/knock/{Path(room)}", new JsonObject())).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task Forgetting_a_room_one_is_still_in_is_400()
    {
        var room = await _alice.CreateRoomAsync();
        var response = await _alice.Client.PostAsync($"{V3}/rooms/{Path(room)}/forget", new JsonObject());
        response.ExpectError(HttpStatusCode.BadRequest, "M_UNKNOWN");
    }

    [Test]
    public async Task A_forgotten_room_leaves_the_users_rooms_until_they_return()
    {
        var bob = await NewUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        (await bob.LeaveAsync(room)).Ok();
        (await bob.Client.PostAsync($"{V3}/rooms/{Path(room)}/forget", new JsonObject())).Ok();
        var stores = Server.Service<Cluster.Shared.Storage.Events.RoomMembershipStore>();
        Assert.That(await stores.GetRoomsForUserAsync(bob.UserId, null, CancellationToken.None), Is.Empty);
        (await bob.JoinAsync(room)).Ok();
        Assert.That((await stores.GetRoomsForUserAsync(bob.UserId, null, CancellationToken.None)).Select(r => r.RoomId), Is.EqualTo(new[] { room }));
    }

    [Test]
    public async Task Joined_rooms_lists_exactly_the_rooms_joined()
    {
        var bob = await NewUserAsync();
        var joined = await _alice.CreatePublicRoomAsync();
        var left = await _alice.CreatePublicRoomAsync();
        var invited = await _alice.CreateRoomAsync(new JsonObject { ["invite"] = new JsonArray(bob.UserId) });
        (await bob.JoinAsync(joined)).Ok();
        (await bob.JoinAsync(left)).Ok();
        (await bob.LeaveAsync(left)).Ok();
        var rooms = (await bob.Client.GetAsync($"{V3}/joined_rooms")).Ok()["joined_rooms"]!.AsArray().Select(n => n.Str());
        Assert.That(rooms, Is.EqualTo(new[] { joined }));
        Assert.That(invited, Is.Not.Empty);
    }
}
