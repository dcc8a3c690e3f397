using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using static Cluster.ClientApi.Tests.Rooms.RoomTestHelpers;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>PUT and GET of room state.</summary>
public class StateTests : HomeserverFixture
{
    private TestUser _alice = null!;
    private TestUser _bob = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
        _bob = await Server.RegisterUserAsync();
    }

    [Test]
    public async Task A_server_acl_that_bans_this_server_is_400_M_INVALID_PARAM()
    {
        var room = await _alice.CreateRoomAsync();
        var response = await _alice.PutStateAsync(room, "m.room.server_acl", "",
            new JsonObject { ["allow"] = new JsonArray("*"), ["deny"] = new JsonArray(Server.ServerName.Split(':')[0]) });
        response.ExpectError(System.Net.HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task A_server_acl_that_lets_this_server_in_is_set()
    {
        var room = await _alice.CreateRoomAsync();
        var response = await _alice.PutStateAsync(room, "m.room.server_acl", "",
            new JsonObject { ["allow"] = new JsonArray("*"), ["deny"] = new JsonArray("evil.example") });
        Assert.That(response.Ok()["event_id"], Is.Not.Null);
    }

    [Test]
    public async Task Put_state_returns_an_event_id_and_get_returns_its_content()
    {
        var room = await _alice.CreateRoomAsync();
        var response = await _alice.PutStateAsync(room, "m.room.name", "", new JsonObject { ["name"] = "Renamed" });
        Assert.That(response.Ok()["event_id"].Str(), Does.StartWith("$"));
        Assert.That((await _alice.GetStateAsync(room, "m.room.name")).Ok(), Is.EqualTo(new JsonObject { ["name"] = "Renamed" }).Using<JsonNode>(JsonNode.DeepEquals));
    }

    [Test]
    public async Task State_without_a_state_key_in_the_path_uses_the_empty_key()
    {
        var room = await _alice.CreateRoomAsync();
        (await _alice.Client.PutAsync($"{V3}/rooms/{Path(room)}/state/m.room.topic", new JsonObject { ["topic"] = "short" })).Ok();
        Assert.That((await _alice.Client.GetAsync($"{V3}/rooms/{Path(room)}/state/m.room.topic")).Ok()["topic"].Str(), Is.EqualTo("short"));
    }

    [Test]
    public async Task State_keys_with_slashes_round_trip()
    {
        var room = await _alice.CreateRoomAsync();
        (await _alice.PutStateAsync(room, "org.example.path", "a/b", new JsonObject { ["v"] = 1 })).Ok();
        Assert.That((await _alice.GetStateAsync(room, "org.example.path", "a/b")).Ok()["v"]!.GetValue<int>(), Is.EqualTo(1));
        var full = await _alice.GetFullStateAsync(room);
        Assert.That(full.Any(e => e!["type"].Str() == "org.example.path" && e["state_key"].Str() == "a/b"), Is.True);
    }

    [Test]
    public async Task A_state_key_holding_a_literal_percent_2F_is_not_read_as_a_slash()
    {
        var room = await _alice.CreateRoomAsync();
        (await _alice.PutStateAsync(room, "org.example.literal", "a%2Fb", new JsonObject { ["v"] = 2 })).Ok();
        var full = await _alice.GetFullStateAsync(room);
        Assert.That(full.Where(e => e!["type"].Str() == "org.example.literal").Select(e => e!["state_key"].Str()), Is.EqualTo(new[] { "a%2Fb" }));
        (await _alice.GetStateAsync(room, "org.example.literal", "a/b")).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task A_trailing_slash_after_the_event_type_reads_the_empty_state_key()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["name"] = "slash" });
        Assert.That((await _alice.Client.GetAsync($"{V3}/rooms/{Path(room)}/state/m.room.name/")).Ok()["name"].Str(), Is.EqualTo("slash"));
    }

    [Test]
    public async Task Format_event_returns_the_whole_client_event_with_prev_content()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["name"] = "first" });
        (await _alice.PutStateAsync(room, "m.room.name", "", new JsonObject { ["name"] = "second" })).Ok();
        var evt = (await _alice.GetStateEventAsync(room, "m.room.name")).Ok();
        Assert.That(evt["type"].Str(), Is.EqualTo("m.room.name"));
        Assert.That(evt["state_key"].Str(), Is.EqualTo(""));
        Assert.That(evt["content"]!["name"].Str(), Is.EqualTo("second"));
        Assert.That(evt["unsigned"]!["prev_content"]!["name"].Str(), Is.EqualTo("first"));
    }

    [Test]
    public async Task An_unknown_format_is_400_M_INVALID_PARAM()
    {
        var room = await _alice.CreateRoomAsync();
        var response = await _alice.Client.GetAsync($"{V3}/rooms/{Path(room)}/state/m.room.create/?format=xml");
        response.ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task Absent_state_is_404_M_NOT_FOUND()
    {
        var room = await _alice.CreateRoomAsync();
        (await _alice.GetStateAsync(room, "m.room.topic")).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task Get_state_lists_the_current_state()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["name"] = "listed" });
        var state = await _alice.GetFullStateAsync(room);
        var keys = state.Select(e => (e!["type"].Str(), e["state_key"].Str())).ToArray();
        Assert.That(keys, Does.Contain(("m.room.create", "")).And.Contain(("m.room.member", _alice.UserId)).And.Contain(("m.room.name", "")));
        Assert.That(keys.Distinct().Count(), Is.EqualTo(keys.Length));
    }

    [Test]
    public async Task A_member_below_state_default_cannot_set_state()
    {
        var room = await _alice.CreatePublicRoomAsync();
        (await _bob.JoinAsync(room)).Ok();
        (await _bob.PutStateAsync(room, "m.room.name", "", new JsonObject { ["name"] = "mine" })).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_state_key_naming_another_user_is_403()
    {
        var room = await _alice.CreatePublicRoomAsync();
        (await _bob.JoinAsync(room)).Ok();
        var response = await _alice.PutStateAsync(room, "org.example.owned", _bob.UserId, new JsonObject());
        response.ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_non_member_cannot_read_state()
    {
        var room = await _alice.CreateRoomAsync();
        (await _bob.Client.GetAsync($"{V3}/rooms/{Path(room)}/state")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _bob.GetStateAsync(room, "m.room.create")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_user_who_was_only_invited_cannot_read_state()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["invite"] = new JsonArray(_bob.UserId) });
        (await _bob.GetStateAsync(room, "m.room.create")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_user_who_left_sees_the_state_as_it_was_when_they_left()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat", ["name"] = "before" });
        (await _bob.JoinAsync(room)).Ok();
        (await _bob.LeaveAsync(room)).Ok();
        (await _alice.PutStateAsync(room, "m.room.name", "", new JsonObject { ["name"] = "after" })).Ok();
        Assert.That((await _bob.GetStateAsync(room, "m.room.name")).Ok()["name"].Str(), Is.EqualTo("before"));
        var full = await _bob.GetFullStateAsync(room);
        Assert.That(full.Single(e => e!["type"].Str() == "m.room.name")!["content"]!["name"].Str(), Is.EqualTo("before"));
    }

    [Test]
    public async Task Anyone_can_read_the_state_of_a_world_readable_room()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject
        {
            ["initial_state"] = new JsonArray(new JsonObject
            {
                ["type"] = "m.room.history_visibility", ["content"] = new JsonObject { ["history_visibility"] = "world_readable" },
            }),
        });
        Assert.That((await _bob.GetStateAsync(room, "m.room.create")).Ok()["room_version"].Str(), Is.EqualTo("12"));
    }

    [Test]
    public async Task A_canonical_alias_that_points_elsewhere_is_400_M_BAD_ALIAS()
    {
        var elsewhere = "elsewhere-" + Guid.NewGuid().ToString("N")[..8];
        await _alice.CreateRoomAsync(new JsonObject { ["room_alias_name"] = elsewhere });
        var room = await _alice.CreateRoomAsync();
        var response = await _alice.PutStateAsync(room, "m.room.canonical_alias", "",
            new JsonObject { ["alias"] = $"#{elsewhere}:{Server.ServerName}" });
        response.ExpectError(HttpStatusCode.BadRequest, "M_BAD_ALIAS");
    }

    [Test]
    public async Task A_malformed_canonical_alias_is_400_M_INVALID_PARAM()
    {
        var room = await _alice.CreateRoomAsync();
        var response = await _alice.PutStateAsync(room, "m.room.canonical_alias", "", new JsonObject { ["alias"] = "no-sigil" });
        response.ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task A_canonical_alias_of_the_room_is_accepted()
    {
        var room = await _alice.CreateRoomAsync();
        var alias = $"#mine-{Guid.NewGuid():N}:{Server.ServerName}";
        (await _alice.Client.PutAsync($"{V3}/directory/room/{Uri.EscapeDataString(alias)}", new JsonObject { ["room_id"] = room })).Ok();
        (await _alice.PutStateAsync(room, "m.room.canonical_alias", "", new JsonObject { ["alias"] = alias })).Ok();
    }

    [Test]
    public async Task Power_level_changes_follow_the_auth_rules()
    {
        var room = await _alice.CreatePublicRoomAsync();
        (await _bob.JoinAsync(room)).Ok();
        var levels = (await _alice.GetStateAsync(room, "m.room.power_levels")).Ok();
        levels["users"]![_bob.UserId] = 50;
        (await _alice.PutStateAsync(room, "m.room.power_levels", "", levels)).Ok();
        levels["users"]![_bob.UserId] = 100;
        (await _bob.PutStateAsync(room, "m.room.power_levels", "", levels)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }
}
