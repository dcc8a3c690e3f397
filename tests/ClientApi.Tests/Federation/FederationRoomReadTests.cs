using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventCreator.Building;
using Cluster.Workers.EventCreator.Sending;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// A's rooms as B reads them over federation (<c>/event</c>, <c>/state</c>, <c>/state_ids</c>,
/// <c>/backfill</c>, <c>/get_missing_events</c>), through B's signed federation client. B is "in"
/// a room through a join of one of its users that A persists itself (federation joins are not built).
/// </summary>
public class FederationRoomReadTests : TwoServerFixture
{
    private string _room = null!;
    private RoomVersion _version = null!;
    private string _remoteJoin = null!;
    private List<string> _messages = null!;
    private string _topicEvent = null!;
    private string _closedRoom = null!;
    private string _closedMessage = null!;

    protected override async Task OnStartedAsync()
    {
        _room = await Alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
        _version = (await A.Service<RoomStore>().GetRoomAsync(_room, CancellationToken.None))!.Version;
        _remoteJoin = await MembersBuiltByA.JoinAsync(A, _room, UserOfB("remote"));
        _messages = [];
        for (var i = 1; i <= 5; i++)
            _messages.Add(await Alice.SendMessageAsync(_room, $"message {i}"));
        _topicEvent = (await Alice.PutStateAsync(_room, "m.room.topic", "", new JsonObject { ["topic"] = "later topic" })).Ok()["event_id"].Str();

        _closedRoom = await Alice.CreateRoomAsync(new JsonObject { ["preset"] = "private_chat" });
        _closedMessage = await Alice.SendMessageAsync(_closedRoom, "not for B");
    }

    private static List<JsonObject> Pdus(FederationResponse response, string field = "pdus") =>
        [.. response.Body![field]!.AsArray().Select(p => p!.AsObject())];

    private string IdOf(JsonObject pdu) => EventIds.Of(pdu, _version);

    [Test]
    public async Task Event_is_a_transaction_of_one_pdu_with_the_event_as_signed()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/event/{Esc(_messages[0])}");

        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        var pdus = Pdus(response);
        Assert.Multiple(() =>
        {
            Assert.That(response.Body!["origin"].Str(), Is.EqualTo(A.ServerName));
            Assert.That(response.Body!["origin_server_ts"]!.GetValue<long>(), Is.GreaterThan(0));
            Assert.That(pdus, Has.Count.EqualTo(1));
            Assert.That(IdOf(pdus[0]), Is.EqualTo(_messages[0]), "the PDU hashes to its event ID");
            Assert.That(pdus[0]["content"]!["body"].Str(), Is.EqualTo("message 1"));
            Assert.That(pdus[0]["signatures"]![A.ServerName], Is.Not.Null);
        });
    }

    [Test]
    public async Task Event_that_was_redacted_comes_back_redacted()
    {
        var secret = await Alice.SendMessageAsync(_room, "regrettable");
        (await Alice.Client.PutAsync($"/_matrix/client/v3/rooms/{Esc(_room)}/redact/{Esc(secret)}/{Guid.NewGuid():N}", new JsonObject())).Ok();

        var response = await FromBAsync($"/_matrix/federation/v1/event/{Esc(secret)}");

        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        var pdu = Pdus(response).Single();
        Assert.Multiple(() =>
        {
            Assert.That(pdu["content"]!.AsObject(), Is.Empty);
            Assert.That(IdOf(pdu), Is.EqualTo(secret), "the redacted form still hashes to the event ID");
        });
    }

    [Test]
    public async Task Event_of_a_room_without_users_of_the_server_is_403_M_FORBIDDEN()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/event/{Esc(_closedMessage)}");
        ExpectError(response, 403, "M_FORBIDDEN");
    }

    [Test]
    public async Task Event_of_a_room_the_servers_users_have_left_is_403_M_FORBIDDEN()
    {
        var room = await Alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
        var remote = UserOfB("leaver");
        await MembersBuiltByA.JoinAsync(A, room, remote);
        var message = await Alice.SendMessageAsync(room, "seen while B was there");
        await MembersBuiltByA.SetMembershipAsync(A, room, remote, "leave");

        var response = await FromBAsync($"/_matrix/federation/v1/event/{Esc(message)}");
        ExpectError(response, 403, "M_FORBIDDEN");
    }

    [Test]
    public async Task Event_unknown_is_404_M_NOT_FOUND()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/event/{Esc("$nothing-like-it:" + A.ServerName)}");
        ExpectError(response, 404, "M_NOT_FOUND");
    }

    [Test]
    public async Task Event_with_a_malformed_id_is_400_M_INVALID_PARAM()
    {
        var response = await FromBAsync("/_matrix/federation/v1/event/not-an-event-id");
        ExpectError(response, 400, "M_INVALID_PARAM");
    }

    [Test]
    public async Task State_ids_are_the_state_before_the_event_with_its_auth_chain()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/state_ids/{Esc(_room)}?event_id={Esc(_topicEvent)}");

        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        var stateIds = response.Body!["pdu_ids"]!.AsArray().Select(n => n.Str()).ToList();
        var chainIds = response.Body!["auth_chain_ids"]!.AsArray().Select(n => n.Str()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(stateIds, Does.Contain(_remoteJoin));
            Assert.That(stateIds, Does.Not.Contain(_topicEvent), "the state before the event, not after it");
            Assert.That(stateIds, Does.Not.Contain(_messages[0]));
            Assert.That(chainIds, Is.Not.Empty.And.Unique);
        });
    }

    [Test]
    public async Task State_holds_the_state_events_and_every_auth_event_they_need()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/state/{Esc(_room)}?event_id={Esc(_topicEvent)}");

        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        var state = Pdus(response);
        var chain = Pdus(response, "auth_chain");
        var held = state.Concat(chain).Select(IdOf).ToHashSet();
        var needed = state.Concat(chain).SelectMany(p => p["auth_events"]!.AsArray().Select(AuthEventId)).ToHashSet();
        Assert.Multiple(() =>
        {
            Assert.That(state.Select(p => p["type"].Str()), Does.Contain("m.room.create").And.Contain("m.room.member").And.No.EqualTo("m.room.topic"));
            Assert.That(chain.Select(p => p["type"].Str()), Does.Contain("m.room.create"));
            Assert.That(needed.Except(held), Is.Empty, "the auth chain closes over the state's auth events");
        });
        var ids = await FromBAsync($"/_matrix/federation/v1/state_ids/{Esc(_room)}?event_id={Esc(_topicEvent)}");
        Assert.That(state.Select(IdOf), Is.EquivalentTo(ids.Body!["pdu_ids"]!.AsArray().Select(n => n.Str())));
    }

    // v1/v2 rooms reference [id, hashes] pairs; later versions bare IDs.
    private static string AuthEventId(JsonNode? reference) => reference is JsonArray pair ? pair[0].Str() : reference.Str();

    [Test]
    public async Task State_ids_without_an_event_id_is_400_M_MISSING_PARAM()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/state_ids/{Esc(_room)}");
        ExpectError(response, 400, "M_MISSING_PARAM");
    }

    [Test]
    public async Task State_ids_with_a_malformed_event_id_is_400_M_INVALID_PARAM()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/state_ids/{Esc(_room)}?event_id=nonsense");
        ExpectError(response, 400, "M_INVALID_PARAM");
    }

    [Test]
    public async Task State_ids_of_a_malformed_room_id_is_400_M_INVALID_PARAM()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/state_ids/not-a-room?event_id={Esc(_messages[0])}");
        ExpectError(response, 400, "M_INVALID_PARAM");
    }

    [Test]
    public async Task State_ids_at_an_event_of_another_room_is_404_M_NOT_FOUND()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/state_ids/{Esc(_room)}?event_id={Esc(_closedMessage)}");
        ExpectError(response, 404, "M_NOT_FOUND");
    }

    [Test]
    public async Task State_of_an_unknown_room_is_404_M_NOT_FOUND()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/state/{Esc("!nowhere:" + A.ServerName)}?event_id={Esc(_messages[0])}");
        ExpectError(response, 404, "M_NOT_FOUND");
    }

    [Test]
    public async Task State_of_a_room_without_users_of_the_server_is_403_M_FORBIDDEN()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/state/{Esc(_closedRoom)}?event_id={Esc(_closedMessage)}");
        ExpectError(response, 403, "M_FORBIDDEN");
    }

    [Test]
    public async Task Backfill_returns_the_given_event_and_those_before_it_newest_first()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/backfill/{Esc(_room)}?v={Esc(_messages[4])}&limit=3");

        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        Assert.That(response.Body!["origin"].Str(), Is.EqualTo(A.ServerName));
        Assert.That(Pdus(response).Select(IdOf), Is.EqualTo(new[] { _messages[4], _messages[3], _messages[2] }));
    }

    [Test]
    public async Task Backfill_reaches_the_create_event_and_stops_there()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/backfill/{Esc(_room)}?v={Esc(_messages[1])}&limit=1000000000000");

        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        var pdus = Pdus(response);
        Assert.That(pdus.Last()["type"].Str(), Is.EqualTo("m.room.create"));
        Assert.That(pdus.Select(p => p["depth"]!.GetValue<long>()), Is.Ordered.Descending);
        Assert.That(pdus.Select(IdOf), Does.Contain(_remoteJoin).And.Not.Contain(_messages[2]));
    }

    [Test]
    public async Task Backfill_serves_a_version_10_room_with_its_auth_chain_reaching_the_create_event()
    {
        var room = await Alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat", ["room_version"] = "10" });
        await MembersBuiltByA.JoinAsync(A, room, UserOfB("remote"));
        var message = await Alice.SendMessageAsync(room, "in version 10");
        RoomVersions.TryGet("10", out var v10);

        var backfill = await FromBAsync($"/_matrix/federation/v1/backfill/{Esc(room)}?v={Esc(message)}&limit=2");
        var state = await FromBAsync($"/_matrix/federation/v1/state/{Esc(room)}?event_id={Esc(message)}");

        Assert.That(backfill.Status, Is.EqualTo(200), backfill.Body?.ToJsonString());
        Assert.That(state.Status, Is.EqualTo(200), state.Body?.ToJsonString());
        var backfilled = Pdus(backfill).Select(p => EventIds.Of(p, v10)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(backfilled, Has.Count.EqualTo(2));
            Assert.That(backfilled[0], Is.EqualTo(message));
            Assert.That(Pdus(state, "auth_chain").Select(p => p["type"].Str()), Does.Contain("m.room.create"));
        });
    }

    [Test]
    public async Task Backfill_without_a_limit_is_400_M_MISSING_PARAM()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/backfill/{Esc(_room)}?v={Esc(_messages[4])}");
        ExpectError(response, 400, "M_MISSING_PARAM");
    }

    [Test]
    public async Task Backfill_with_a_limit_that_is_not_a_number_is_400_M_INVALID_PARAM()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/backfill/{Esc(_room)}?v={Esc(_messages[4])}&limit=lots");
        ExpectError(response, 400, "M_INVALID_PARAM");
    }

    [Test]
    public async Task Backfill_without_events_to_start_from_is_400_M_MISSING_PARAM()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/backfill/{Esc(_room)}?limit=5");
        ExpectError(response, 400, "M_MISSING_PARAM");
    }

    [Test]
    public async Task Backfill_from_an_event_of_another_room_returns_nothing_of_it()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/backfill/{Esc(_room)}?v={Esc(_closedMessage)}&limit=10");

        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        Assert.That(Pdus(response), Is.Empty);
    }

    [Test]
    public async Task Missing_events_are_those_between_earliest_and_latest_oldest_first()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/get_missing_events/{Esc(_room)}", new JsonObject
        {
            ["earliest_events"] = new JsonArray(_messages[0]),
            ["latest_events"] = new JsonArray(_messages[4]),
            ["limit"] = 10,
        });

        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        Assert.That(Pdus(response, "events").Select(IdOf), Is.EqualTo(new[] { _messages[1], _messages[2], _messages[3] }));
    }

    [Test]
    public async Task Missing_events_are_the_nearest_ones_when_the_limit_cuts_the_walk()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/get_missing_events/{Esc(_room)}", new JsonObject
        {
            ["earliest_events"] = new JsonArray(),
            ["latest_events"] = new JsonArray(_messages[4]),
            ["limit"] = 2,
        });

        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        Assert.That(Pdus(response, "events").Select(IdOf), Is.EqualTo(new[] { _messages[2], _messages[3] }));
    }

    [Test]
    public async Task Missing_events_are_capped_at_twenty_however_many_are_asked_for()
    {
        var room = await Alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
        await MembersBuiltByA.JoinAsync(A, room, UserOfB("remote"));
        var latest = "";
        for (var i = 0; i < 25; i++)
            latest = await Alice.SendMessageAsync(room, $"filler {i}");

        var response = await FromBAsync($"/_matrix/federation/v1/get_missing_events/{Esc(room)}", new JsonObject
        {
            ["earliest_events"] = new JsonArray(), ["latest_events"] = new JsonArray(latest), ["limit"] = 1_000_000,
        });

        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        Assert.That(Pdus(response, "events"), Has.Count.EqualTo(20));
    }

    [Test]
    public async Task Missing_events_without_a_body_is_400_M_NOT_JSON()
    {
        var response = await FromBAsync(HttpMethod.Post, $"/_matrix/federation/v1/get_missing_events/{Esc(_room)}");
        ExpectError(response, 400, "M_NOT_JSON");
    }

    [Test]
    public async Task Missing_events_with_a_malformed_event_id_is_400_M_INVALID_PARAM()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/get_missing_events/{Esc(_room)}",
            new JsonObject { ["earliest_events"] = new JsonArray("bad\u0000id"), ["latest_events"] = new JsonArray(_messages[4]) });
        ExpectError(response, 400, "M_INVALID_PARAM");
    }

    [Test]
    public async Task Missing_events_without_latest_events_is_400_M_MISSING_PARAM()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/get_missing_events/{Esc(_room)}",
            new JsonObject { ["earliest_events"] = new JsonArray() });
        ExpectError(response, 400, "M_MISSING_PARAM");
    }

    [Test]
    public async Task Missing_events_with_latest_events_that_are_not_strings_is_400_M_BAD_JSON()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/get_missing_events/{Esc(_room)}",
            new JsonObject { ["earliest_events"] = new JsonArray(), ["latest_events"] = new JsonArray(1, 2) });
        ExpectError(response, 400, "M_BAD_JSON");
    }

    [Test]
    public async Task Missing_events_with_a_limit_that_is_not_a_number_is_400_M_BAD_JSON()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/get_missing_events/{Esc(_room)}", new JsonObject
        {
            ["earliest_events"] = new JsonArray(), ["latest_events"] = new JsonArray(_messages[4]), ["limit"] = "ten",
        });
        ExpectError(response, 400, "M_BAD_JSON");
    }

    [Test]
    public async Task Missing_events_in_a_room_without_users_of_the_server_is_403_M_FORBIDDEN()
    {
        var response = await FromBAsync($"/_matrix/federation/v1/get_missing_events/{Esc(_closedRoom)}", new JsonObject
        {
            ["earliest_events"] = new JsonArray(), ["latest_events"] = new JsonArray(_closedMessage),
        });
        ExpectError(response, 403, "M_FORBIDDEN");
    }

    [Test]
    public async Task History_hidden_from_the_server_comes_redacted_and_the_rest_in_full()
    {
        var room = await Alice.CreateRoomAsync(new JsonObject
        {
            ["preset"] = "public_chat",
            ["initial_state"] = new JsonArray(new JsonObject
            {
                ["type"] = "m.room.history_visibility", ["state_key"] = "", ["content"] = new JsonObject { ["history_visibility"] = "joined" },
            }),
        });
        var before = await Alice.SendMessageAsync(room, "before B joined");
        await MembersBuiltByA.JoinAsync(A, room, UserOfB("remote"));
        var after = await Alice.SendMessageAsync(room, "after B joined");

        var response = await FromBAsync($"/_matrix/federation/v1/backfill/{Esc(room)}?v={Esc(after)}&limit=4");

        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        var pdus = Pdus(response).ToDictionary(IdOf);
        Assert.Multiple(() =>
        {
            Assert.That(pdus[after]["content"]!["body"].Str(), Is.EqualTo("after B joined"));
            Assert.That(pdus[before]["content"]!.AsObject(), Is.Empty);
        });
    }

    [Test]
    public async Task State_at_an_event_hidden_from_the_server_is_403_M_FORBIDDEN()
    {
        var room = await Alice.CreateRoomAsync(new JsonObject
        {
            ["preset"] = "public_chat",
            ["initial_state"] = new JsonArray(new JsonObject
            {
                ["type"] = "m.room.history_visibility", ["state_key"] = "", ["content"] = new JsonObject { ["history_visibility"] = "joined" },
            }),
        });
        var before = await Alice.SendMessageAsync(room, "before B joined");
        await MembersBuiltByA.JoinAsync(A, room, UserOfB("remote"));

        var response = await FromBAsync($"/_matrix/federation/v1/state_ids/{Esc(room)}?event_id={Esc(before)}");
        ExpectError(response, 403, "M_FORBIDDEN");
    }

    [Test]
    public async Task Backfill_unsigned_is_401_M_UNAUTHORIZED()
    {
        using var http = new HttpClient { BaseAddress = A.BaseAddress };
        using var response = await http.GetAsync($"/_matrix/federation/v1/backfill/{Esc(_room)}?v={Esc(_messages[4])}&limit=3");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}

/// <summary>
/// Joins a user of another server to a room of <c>server</c> by building and persisting the join on
/// <c>server</c> itself: a stand-in for a federation join (not built yet), so that the other server
/// counts as in the room.
/// </summary>
internal static class MembersBuiltByA
{
    public static Task<string> JoinAsync(Homeserver server, string roomId, string userId) =>
        SetMembershipAsync(server, roomId, userId, "join");

    /// <summary>The user's own membership change (join or leave), built, signed and persisted by <paramref name="server"/>.</summary>
    public static async Task<string> SetMembershipAsync(Homeserver server, string roomId, string userId, string membership)
    {
        var sent = await server.Services.GetRequiredService<RoomEventSender>().SendAsync(new SendRequest(
            roomId, [(RoomEventTypes.Member, userId)],
            _ => EventPlan.Send(new EventDraft(RoomEventTypes.Member, userId, userId, new JsonObject { ["membership"] = membership }))),
            CancellationToken.None);
        return sent.EventId;
    }
}
