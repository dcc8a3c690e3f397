using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using static Cluster.ClientApi.Tests.Rooms.RoomTestHelpers;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>History visibility on GET /event and membership on the room read endpoints.</summary>
public class VisibilityTests : HomeserverFixture
{
    private TestUser _alice = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
    }

    private async Task<string> RoomWithVisibilityAsync(string visibility) =>
        await _alice.CreateRoomAsync(new JsonObject
        {
            ["preset"] = "public_chat",
            ["initial_state"] = new JsonArray(new JsonObject
            {
                ["type"] = "m.room.history_visibility", ["content"] = new JsonObject { ["history_visibility"] = visibility },
            }),
        });

    [Test]
    public async Task A_user_who_never_joined_gets_404_for_an_event()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await RoomWithVisibilityAsync("shared");
        var eventId = await _alice.SendMessageAsync(room, "secret");
        (await bob.GetEventAsync(room, eventId)).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task Shared_history_is_visible_to_members_who_join_later()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await RoomWithVisibilityAsync("shared");
        var eventId = await _alice.SendMessageAsync(room, "before bob");
        (await bob.JoinAsync(room)).Ok();
        Assert.That((await bob.GetEventAsync(room, eventId)).Ok()["content"]!["body"].Str(), Is.EqualTo("before bob"));
    }

    [Test]
    public async Task Joined_history_hides_events_from_before_the_join()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await RoomWithVisibilityAsync("joined");
        var before = await _alice.SendMessageAsync(room, "before bob");
        (await bob.JoinAsync(room)).Ok();
        var after = await _alice.SendMessageAsync(room, "after bob");
        (await bob.GetEventAsync(room, before)).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await bob.GetEventAsync(room, after)).Ok();
    }

    [Test]
    public async Task Invited_history_shows_events_from_the_invite_on()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await RoomWithVisibilityAsync("invited");
        var before = await _alice.SendMessageAsync(room, "before invite");
        (await _alice.InviteAsync(room, bob.UserId)).Ok();
        var whileInvited = await _alice.SendMessageAsync(room, "while invited");
        (await bob.JoinAsync(room)).Ok();
        (await bob.GetEventAsync(room, before)).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await bob.GetEventAsync(room, whileInvited)).Ok();
    }

    [Test]
    public async Task Events_after_leaving_are_hidden()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await RoomWithVisibilityAsync("shared");
        (await bob.JoinAsync(room)).Ok();
        var during = await _alice.SendMessageAsync(room, "during");
        (await bob.LeaveAsync(room)).Ok();
        var after = await _alice.SendMessageAsync(room, "after");
        (await bob.GetEventAsync(room, during)).Ok();
        (await bob.GetEventAsync(room, after)).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task World_readable_events_are_visible_to_anyone()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await RoomWithVisibilityAsync("world_readable");
        var eventId = await _alice.SendMessageAsync(room, "public");
        (await bob.GetEventAsync(room, eventId)).Ok();
    }

    [Test]
    public async Task An_event_asked_for_under_another_room_is_404()
    {
        var room = await RoomWithVisibilityAsync("shared");
        var other = await RoomWithVisibilityAsync("shared");
        var eventId = await _alice.SendMessageAsync(room, "here");
        (await _alice.GetEventAsync(other, eventId)).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task Members_are_refused_to_someone_who_never_joined()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await RoomWithVisibilityAsync("shared");
        (await bob.Client.GetAsync($"{V3}/rooms/{Path(room)}/members")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await bob.Client.GetAsync($"{V3}/rooms/{Path(room)}/joined_members")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task Members_filters_by_membership_and_not_membership()
    {
        var bob = await Server.RegisterUserAsync();
        var carol = await Server.RegisterUserAsync();
        var room = await RoomWithVisibilityAsync("shared");
        (await bob.JoinAsync(room)).Ok();
        (await _alice.InviteAsync(room, carol.UserId)).Ok();

        async Task<string[]> MembersAsync(string query) =>
            (await _alice.Client.GetAsync($"{V3}/rooms/{Path(room)}/members{query}")).Ok()["chunk"]!.AsArray()
                .Select(e => e!["state_key"].Str()).Order().ToArray();

        Assert.That(await MembersAsync(""), Is.EquivalentTo(new[] { _alice.UserId, bob.UserId, carol.UserId }));
        Assert.That(await MembersAsync("?membership=join"), Is.EquivalentTo(new[] { _alice.UserId, bob.UserId }));
        Assert.That(await MembersAsync("?not_membership=join"), Is.EquivalentTo(new[] { carol.UserId }));
        Assert.That(await MembersAsync("?membership=invite&not_membership=join"), Is.EquivalentTo(new[] { carol.UserId }));
    }

    [Test]
    public async Task Members_with_an_unknown_membership_filter_is_400_M_INVALID_PARAM()
    {
        var room = await RoomWithVisibilityAsync("shared");
        (await _alice.Client.GetAsync($"{V3}/rooms/{Path(room)}/members?membership=lurking"))
            .ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task Members_at_a_token_shows_the_room_then()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await RoomWithVisibilityAsync("shared");
        var store = Server.Service<Cluster.Shared.Storage.Events.EventStore>();
        var created = await _alice.SendMessageAsync(room, "marker");
        var marker = await store.GetEventAsync(created, CancellationToken.None);
        (await bob.JoinAsync(room)).Ok();
        var chunk = (await _alice.Client.GetAsync($"{V3}/rooms/{Path(room)}/members?at=s{marker!.StreamOrdering}")).Ok()["chunk"]!.AsArray();
        Assert.That(chunk.Select(e => e!["state_key"].Str()), Is.EqualTo(new[] { _alice.UserId }));
    }

    [Test]
    public async Task Members_with_a_malformed_at_token_is_400_M_INVALID_PARAM()
    {
        var room = await RoomWithVisibilityAsync("shared");
        (await _alice.Client.GetAsync($"{V3}/rooms/{Path(room)}/members?at=garbage!")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task Joined_members_lists_display_names()
    {
        var bob = await Server.RegisterUserAsync();
        await Server.SetDisplayNameAsync(bob, "Bob B");
        var room = await RoomWithVisibilityAsync("shared");
        (await bob.JoinAsync(room)).Ok();
        var joined = (await bob.Client.GetAsync($"{V3}/rooms/{Path(room)}/joined_members")).Ok()["joined"]!.AsObject();
        Assert.That(joined.Select(kv => kv.Key), Is.EquivalentTo(new[] { _alice.UserId, bob.UserId }));
        Assert.That(joined[bob.UserId]!["display_name"].Str(), Is.EqualTo("Bob B"));
    }

    [Test]
    public async Task A_member_who_left_sees_members_as_they_were_when_leaving()
    {
        var bob = await Server.RegisterUserAsync();
        var carol = await Server.RegisterUserAsync();
        var room = await RoomWithVisibilityAsync("shared");
        (await bob.JoinAsync(room)).Ok();
        (await bob.LeaveAsync(room)).Ok();
        (await carol.JoinAsync(room)).Ok();
        var chunk = (await bob.Client.GetAsync($"{V3}/rooms/{Path(room)}/members")).Ok()["chunk"]!.AsArray();
        Assert.That(chunk.Select(e => e!["state_key"].Str()), Is.EquivalentTo(new[] { _alice.UserId, bob.UserId }));
        (await bob.Client.GetAsync($"{V3}/rooms/{Path(room)}/joined_members")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }
}
