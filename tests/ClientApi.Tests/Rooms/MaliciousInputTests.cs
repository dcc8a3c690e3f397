using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using static Cluster.ClientApi.Tests.Rooms.RoomTestHelpers;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>What a hostile or broken client sends to the room endpoints gets a spec error, never a 500 or someone else's data.</summary>
public class MaliciousInputTests : HomeserverFixture
{
    private TestUser _alice = null!;
    private TestUser _mallory = null!;
    private string _room = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
        _mallory = await Server.RegisterUserAsync();
        _room = await _alice.CreateRoomAsync(new JsonObject { ["name"] = "private" });
    }

    [TestCase("..%2F..")]
    [TestCase("..%2F..%2Fstate")]
    [TestCase("not-a-room")]
    [TestCase("%21")]
    [TestCase("@alice:test.local")]
    public async Task A_malformed_room_id_in_the_path_is_400_M_INVALID_PARAM(string roomPath)
    {
        (await _alice.Client.GetAsync($"{V3}/rooms/{roomPath}/state")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _alice.Client.PutAsync($"{V3}/rooms/{roomPath}/send/m.room.message/1", new JsonObject())).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task Encoded_dot_segments_are_normalised_away_not_read_as_a_room()
    {
        // Kestrel decodes %2E and removes the dot segments: the request is for /v3/state, which does not exist.
        (await _alice.Client.GetAsync($"{V3}/rooms/%2E%2E/state")).ExpectError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
    }

    [Test]
    public async Task A_nul_in_the_path_is_refused_before_routing()
    {
        var response = await _alice.Client.GetAsync($"{V3}/rooms/!has%00nul:test.local/state");
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task A_dot_dot_path_is_not_resolved_into_another_endpoint()
    {
        var response = await _alice.Client.GetAsync($"{V3}/rooms/..%2F..%2Fjoined_rooms/state");
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Body, Is.Not.InstanceOf<JsonArray>());
    }

    [Test]
    public async Task An_overlong_room_id_is_400_M_INVALID_PARAM()
    {
        var roomId = "!" + new string('a', 300) + ":test.local";
        (await _alice.Client.GetAsync($"{V3}/rooms/{Uri.EscapeDataString(roomId)}/state")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task A_malformed_event_id_is_400_M_INVALID_PARAM()
    {
        (await _alice.GetEventAsync(_room, "not-an-event")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task Another_users_room_state_is_not_served()
    {
        var response = await _mallory.Client.GetAsync($"{V3}/rooms/{Path(_room)}/state");
        response.ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        Assert.That(response.Body!.ToJsonString(), Does.Not.Contain("private"));
    }

    [Test]
    public async Task Another_users_room_cannot_be_written_to()
    {
        (await _mallory.SendAsync(_room, "hi")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _mallory.PutStateAsync(_room, "m.room.name", "", new JsonObject { ["name"] = "pwned" })).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        Assert.That((await _alice.GetStateAsync(_room, "m.room.name")).Ok()["name"].Str(), Is.EqualTo("private"));
    }

    [Test]
    public async Task A_user_cannot_join_someone_else_into_a_room()
    {
        var room = await _mallory.CreatePublicRoomAsync();
        var response = await _mallory.PutStateAsync(room, "m.room.member", _alice.UserId, new JsonObject { ["membership"] = "join" });
        response.ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_user_cannot_send_a_create_event_into_an_existing_room()
    {
        var response = await _alice.PutStateAsync(_room, "m.room.create", "", new JsonObject { ["room_version"] = "12" });
        response.ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task Another_users_event_is_404_not_its_content()
    {
        var eventId = await _alice.SendMessageAsync(_room, "for alice only");
        var response = await _mallory.GetEventAsync(_room, eventId);
        response.ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.That(response.Body!.ToJsonString(), Does.Not.Contain("for alice only"));
    }

    [Test]
    public async Task A_state_key_over_255_bytes_is_413_M_TOO_LARGE()
    {
        var response = await _alice.PutStateAsync(_room, "org.example", new string('k', 256), new JsonObject());
        response.ExpectError(HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
    }

    [Test]
    public async Task Oversized_state_content_is_413_M_TOO_LARGE()
    {
        var response = await _alice.PutStateAsync(_room, "org.example.big", "", new JsonObject { ["blob"] = new string('b', 66_000) });
        response.ExpectError(HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
    }

    [Test]
    public async Task Deeply_nested_content_is_400_M_NOT_JSON()
    {
        var json = new string('[', 5000) + new string(']', 5000);
        var response = await _alice.Client.SendRawAsync(HttpMethod.Put, $"{V3}/rooms/{Path(_room)}/send/m.room.message/{Guid.NewGuid():N}",
            Encoding.UTF8.GetBytes("{\"a\":" + json + "}"));
        response.ExpectError(HttpStatusCode.BadRequest, "M_NOT_JSON");
    }

    [Test]
    public async Task Duplicate_keys_in_content_are_400_M_NOT_JSON()
    {
        var response = await _alice.Client.SendRawAsync(HttpMethod.Put, $"{V3}/rooms/{Path(_room)}/send/m.room.message/{Guid.NewGuid():N}",
            Encoding.UTF8.GetBytes("{\"body\":\"a\",\"body\":\"b\"}"));
        response.ExpectError(HttpStatusCode.BadRequest, "M_NOT_JSON");
    }

    [Test]
    public async Task Invite_with_a_user_id_of_the_wrong_type_is_400_M_BAD_JSON()
    {
        var response = await _alice.Client.PostAsync($"{V3}/rooms/{Path(_room)}/invite", new JsonObject { ["user_id"] = 42 });
        response.ExpectError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    [Test]
    public async Task Invite_without_a_user_id_is_400_M_MISSING_PARAM()
    {
        var response = await _alice.Client.PostAsync($"{V3}/rooms/{Path(_room)}/invite", new JsonObject());
        response.ExpectError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
    }

    [Test]
    public async Task Invite_of_a_malformed_user_id_is_400_M_INVALID_PARAM()
    {
        var response = await _alice.Client.PostAsync($"{V3}/rooms/{Path(_room)}/invite", new JsonObject { ["user_id"] = "alice" });
        response.ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task A_reason_of_the_wrong_type_is_400_M_BAD_JSON()
    {
        var response = await _alice.Client.PostAsync($"{V3}/rooms/{Path(_room)}/leave", new JsonObject { ["reason"] = new JsonArray() });
        response.ExpectError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    [Test]
    public async Task CreateRoom_with_a_non_object_body_is_400_M_BAD_JSON()
    {
        var response = await _alice.Client.SendRawAsync(HttpMethod.Post, $"{V3}/createRoom", Encoding.UTF8.GetBytes("\"room\""));
        response.ExpectError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    [Test]
    public async Task CreateRoom_initial_state_without_content_is_400_M_BAD_JSON()
    {
        var response = await _alice.Client.PostAsync($"{V3}/createRoom", new JsonObject
        {
            ["initial_state"] = new JsonArray(new JsonObject { ["type"] = "m.room.name" }),
        });
        response.ExpectError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    [Test]
    public async Task CreateRoom_with_a_bad_power_level_override_is_400_M_INVALID_ROOM_STATE()
    {
        var response = await _alice.Client.PostAsync($"{V3}/createRoom", new JsonObject
        {
            ["power_level_content_override"] = new JsonObject { ["users"] = "everyone" },
        });
        response.ExpectError(HttpStatusCode.BadRequest, "M_INVALID_ROOM_STATE");
    }

    [Test]
    public async Task CreateRoom_with_an_alias_name_containing_a_colon_is_400_M_INVALID_PARAM()
    {
        var response = await _alice.Client.PostAsync($"{V3}/createRoom", new JsonObject { ["room_alias_name"] = "a:b" });
        response.ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task An_unknown_access_token_is_401()
    {
        using var client = Server.NewClient("not-a-token");
        (await client.GetAsync($"{V3}/rooms/{Path(_room)}/state")).ExpectError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
    }
}
