using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Npgsql;
using static Cluster.ClientApi.Tests.Rooms.RoomTestHelpers;

namespace Cluster.ClientApi.Tests.Rooms;

public class CreateRoomTests : HomeserverFixture
{
    private TestUser _alice = null!;
    private TestUser _bob = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
        _bob = await Server.RegisterUserAsync();
    }

    [Test]
    public async Task Private_chat_is_invite_only_with_shared_history_and_guests_allowed()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["preset"] = "private_chat" });
        Assert.That((await _alice.GetStateAsync(room, "m.room.join_rules")).Ok()["join_rule"].Str(), Is.EqualTo("invite"));
        Assert.That((await _alice.GetStateAsync(room, "m.room.history_visibility")).Ok()["history_visibility"].Str(), Is.EqualTo("shared"));
        Assert.That((await _alice.GetStateAsync(room, "m.room.guest_access")).Ok()["guest_access"].Str(), Is.EqualTo("can_join"));
    }

    [Test]
    public async Task Public_chat_is_public_with_guests_forbidden()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
        Assert.That((await _alice.GetStateAsync(room, "m.room.join_rules")).Ok()["join_rule"].Str(), Is.EqualTo("public"));
        Assert.That((await _alice.GetStateAsync(room, "m.room.guest_access")).Ok()["guest_access"].Str(), Is.EqualTo("forbidden"));
    }

    [Test]
    public async Task Public_visibility_without_preset_uses_public_chat_and_lists_the_room()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["visibility"] = "public" });
        Assert.That((await _alice.GetStateAsync(room, "m.room.join_rules")).Ok()["join_rule"].Str(), Is.EqualTo("public"));
        Assert.That(await ScalarAsync<bool>("SELECT is_public FROM rooms WHERE room_id = $1", room), Is.True);
    }

    [Test]
    public async Task Trusted_private_chat_in_v12_makes_invitees_additional_creators()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["preset"] = "trusted_private_chat", ["invite"] = new JsonArray(_bob.UserId) });
        var create = (await _alice.GetStateAsync(room, "m.room.create")).Ok();
        Assert.That(create["additional_creators"]!.AsArray().Select(n => n.Str()), Is.EqualTo(new[] { _bob.UserId }));
        Assert.That(create["room_version"].Str(), Is.EqualTo("12"));
    }

    [Test]
    public async Task Trusted_private_chat_before_v12_gives_invitees_the_creators_power_level()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject
        {
            ["preset"] = "trusted_private_chat", ["invite"] = new JsonArray(_bob.UserId), ["room_version"] = "11",
        });
        var users = (await _alice.GetStateAsync(room, "m.room.power_levels")).Ok()["users"]!.AsObject();
        Assert.That(users[_bob.UserId]!.GetValue<int>(), Is.EqualTo(100));
        Assert.That(users[_alice.UserId]!.GetValue<int>(), Is.EqualTo(100));
    }

    [Test]
    public async Task V12_power_levels_do_not_list_the_creator_and_put_tombstone_above_100()
    {
        var room = await _alice.CreateRoomAsync();
        var levels = (await _alice.GetStateAsync(room, "m.room.power_levels")).Ok();
        Assert.That(levels["users"]!.AsObject().ContainsKey(_alice.UserId), Is.False);
        Assert.That(levels["events"]!["m.room.tombstone"]!.GetValue<int>(), Is.GreaterThan(100));
    }

    [Test]
    public async Task Power_level_content_override_replaces_the_default_keys()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject
        {
            ["power_level_content_override"] = new JsonObject { ["events_default"] = 20, ["ban"] = 75 },
        });
        var levels = (await _alice.GetStateAsync(room, "m.room.power_levels")).Ok();
        Assert.That(levels["events_default"]!.GetValue<int>(), Is.EqualTo(20));
        Assert.That(levels["ban"]!.GetValue<int>(), Is.EqualTo(75));
        Assert.That(levels["kick"]!.GetValue<int>(), Is.EqualTo(50));
    }

    [Test]
    public async Task Name_topic_and_initial_state_are_set_with_name_winning_over_initial_state()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject
        {
            ["name"] = "The Pub",
            ["topic"] = "Happy hour",
            ["initial_state"] = new JsonArray(
                new JsonObject { ["type"] = "m.room.name", ["content"] = new JsonObject { ["name"] = "overridden" } },
                new JsonObject { ["type"] = "org.example.custom", ["state_key"] = "k", ["content"] = new JsonObject { ["x"] = 1 } },
                new JsonObject { ["type"] = "m.room.history_visibility", ["content"] = new JsonObject { ["history_visibility"] = "joined" } }),
        });
        Assert.That((await _alice.GetStateAsync(room, "m.room.name")).Ok()["name"].Str(), Is.EqualTo("The Pub"));
        Assert.That((await _alice.GetStateAsync(room, "m.room.topic")).Ok()["topic"].Str(), Is.EqualTo("Happy hour"));
        Assert.That((await _alice.GetStateAsync(room, "org.example.custom", "k")).Ok()["x"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That((await _alice.GetStateAsync(room, "m.room.history_visibility")).Ok()["history_visibility"].Str(), Is.EqualTo("joined"));
    }

    [Test]
    public async Task Events_follow_the_spec_order()
    {
        var carol = await Server.RegisterUserAsync();
        var room = await _alice.CreateRoomAsync(new JsonObject
        {
            ["room_alias_name"] = "order-" + Guid.NewGuid().ToString("N")[..8],
            ["name"] = "n",
            ["topic"] = "t",
            ["invite"] = new JsonArray(carol.UserId),
            ["initial_state"] = new JsonArray(new JsonObject { ["type"] = "org.example.s", ["content"] = new JsonObject() }),
        });
        var types = await ListAsync("SELECT type || ' ' || coalesce(state_key, '') FROM events WHERE room_id = $1 ORDER BY stream_ordering", room);
        Assert.That(types, Is.EqualTo(new[]
        {
            "m.room.create ", $"m.room.member {_alice.UserId}", "m.room.power_levels ", "m.room.canonical_alias ",
            "m.room.join_rules ", "m.room.history_visibility ", "m.room.guest_access ", "org.example.s ",
            "m.room.name ", "m.room.topic ", $"m.room.member {carol.UserId}",
        }));
    }

    [Test]
    public async Task Invites_several_users_with_is_direct()
    {
        var carol = await Server.RegisterUserAsync();
        var room = await _alice.CreateRoomAsync(new JsonObject { ["invite"] = new JsonArray(_bob.UserId, carol.UserId), ["is_direct"] = true });
        foreach (var user in new[] { _bob.UserId, carol.UserId })
        {
            var member = (await _alice.GetStateAsync(room, "m.room.member", user)).Ok();
            Assert.That(member["membership"].Str(), Is.EqualTo("invite"));
            Assert.That(member["is_direct"]!.GetValue<bool>(), Is.True);
        }
    }

    [Test]
    public async Task Room_alias_name_creates_the_alias_and_the_canonical_alias()
    {
        var localpart = "pub-" + Guid.NewGuid().ToString("N")[..8];
        var room = await _alice.CreateRoomAsync(new JsonObject { ["room_alias_name"] = localpart });
        var alias = $"#{localpart}:{Server.ServerName}";
        Assert.That((await _alice.GetStateAsync(room, "m.room.canonical_alias")).Ok()["alias"].Str(), Is.EqualTo(alias));
        var resolved = (await _alice.Client.GetAsync($"{V3}/directory/room/{Uri.EscapeDataString(alias)}")).Ok();
        Assert.That(resolved["room_id"].Str(), Is.EqualTo(room));
    }

    [Test]
    public async Task A_taken_room_alias_name_is_400_M_ROOM_IN_USE_and_creates_nothing()
    {
        var localpart = "taken-" + Guid.NewGuid().ToString("N")[..8];
        await _alice.CreateRoomAsync(new JsonObject { ["room_alias_name"] = localpart });
        var rooms = await ScalarAsync<long>("SELECT count(*) FROM rooms");
        var response = await _bob.Client.PostAsync($"{V3}/createRoom", new JsonObject { ["room_alias_name"] = localpart });
        response.ExpectError(HttpStatusCode.BadRequest, "M_ROOM_IN_USE");
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM rooms"), Is.EqualTo(rooms));
    }

    [TestCase("1")]
    [TestCase("3")]
    [TestCase("6")]
    [TestCase("10")]
    [TestCase("11")]
    public async Task Rooms_of_older_versions_can_be_created_and_used(string version)
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["room_version"] = version, ["preset"] = "public_chat" });
        Assert.That((await _alice.GetStateAsync(room, "m.room.create")).Ok()["room_version"].Str(), Is.EqualTo(version));
        (await _bob.JoinAsync(room)).Ok();
        var eventId = await _bob.SendMessageAsync(room, "hello");
        Assert.That((await _alice.GetEventAsync(room, eventId)).Ok()["content"]!["body"].Str(), Is.EqualTo("hello"));
    }

    [Test]
    public async Task Unknown_room_version_is_400_M_UNSUPPORTED_ROOM_VERSION()
    {
        var response = await _alice.Client.PostAsync($"{V3}/createRoom", new JsonObject { ["room_version"] = "99" });
        response.ExpectError(HttpStatusCode.BadRequest, "M_UNSUPPORTED_ROOM_VERSION");
    }

    [TestCase("name", "5")]
    [TestCase("invite", "\"@bob:test.local\"")]
    [TestCase("initial_state", "{}")]
    [TestCase("creation_content", "[]")]
    [TestCase("power_level_content_override", "true")]
    [TestCase("is_direct", "\"yes\"")]
    [TestCase("room_version", "12")]
    public async Task A_field_of_the_wrong_json_type_is_400_M_BAD_JSON(string field, string json)
    {
        var body = JsonNode.Parse($"{{\"{field}\": {json}}}");
        var response = await _alice.Client.PostAsync($"{V3}/createRoom", body);
        response.ExpectError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    [Test]
    public async Task An_invalid_user_id_in_invite_is_400_M_INVALID_PARAM()
    {
        var response = await _alice.Client.PostAsync($"{V3}/createRoom", new JsonObject { ["invite"] = new JsonArray("not-a-user") });
        response.ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task An_unknown_preset_is_400_M_INVALID_PARAM()
    {
        var response = await _alice.Client.PostAsync($"{V3}/createRoom", new JsonObject { ["preset"] = "party" });
        response.ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task Initial_state_the_auth_rules_refuse_is_400_M_INVALID_ROOM_STATE()
    {
        var response = await _alice.Client.PostAsync($"{V3}/createRoom", new JsonObject
        {
            ["initial_state"] = new JsonArray(new JsonObject
            {
                ["type"] = "m.room.member", ["state_key"] = _bob.UserId, ["content"] = new JsonObject { ["membership"] = "join" },
            }),
        });
        response.ExpectError(HttpStatusCode.BadRequest, "M_INVALID_ROOM_STATE");
    }

    [Test]
    public async Task Creating_a_room_needs_an_access_token()
    {
        using var anonymous = Server.NewClient();
        var response = await anonymous.PostAsync($"{V3}/createRoom", new JsonObject());
        response.ExpectError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Test]
    public async Task The_r0_path_creates_rooms_too()
    {
        var response = await _alice.Client.PostAsync("/_matrix/client/r0/createRoom", new JsonObject());
        Assert.That(response.Ok()["room_id"].Str(), Does.StartWith("!"));
    }

    private async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Server.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
            command.Parameters.AddWithValue(p);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<string>> ListAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Server.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
            command.Parameters.AddWithValue(p);
        var list = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            list.Add(reader.GetString(0));
        return list;
    }
}
