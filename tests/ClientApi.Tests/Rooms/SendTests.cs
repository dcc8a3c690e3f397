using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using static Cluster.ClientApi.Tests.Rooms.RoomTestHelpers;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>PUT /send: auth, idempotent transaction IDs, size limits, the client format of what was sent.</summary>
public class SendTests : HomeserverFixture
{
    private TestUser _alice = null!;
    private TestUser _bob = null!;
    private string _room = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
        _bob = await Server.RegisterUserAsync();
        _room = await _alice.CreatePublicRoomAsync();
        (await _bob.JoinAsync(_room)).Ok();
    }

    [Test]
    public async Task A_member_sends_a_message_and_reads_it_back()
    {
        var eventId = await _alice.SendMessageAsync(_room, "hello");
        var evt = (await _bob.GetEventAsync(_room, eventId)).Ok();
        Assert.That(evt["event_id"].Str(), Is.EqualTo(eventId));
        Assert.That(evt["room_id"].Str(), Is.EqualTo(_room));
        Assert.That(evt["sender"].Str(), Is.EqualTo(_alice.UserId));
        Assert.That(evt["type"].Str(), Is.EqualTo("m.room.message"));
        Assert.That(evt["content"]!["body"].Str(), Is.EqualTo("hello"));
        Assert.That(evt["origin_server_ts"]!.GetValue<long>(), Is.GreaterThan(0));
        Assert.That(evt["unsigned"]!["age"]!.GetValue<long>(), Is.GreaterThanOrEqualTo(0));
        Assert.That(evt.AsObject().ContainsKey("state_key"), Is.False);
        Assert.That(evt.AsObject().ContainsKey("signatures") || evt.AsObject().ContainsKey("auth_events"), Is.False);
    }

    [Test]
    public async Task The_same_transaction_id_returns_the_same_event()
    {
        var txn = Guid.NewGuid().ToString("N");
        var first = (await _alice.SendAsync(_room, "once", txn)).Ok()["event_id"].Str();
        var second = (await _alice.SendAsync(_room, "once", txn)).Ok()["event_id"].Str();
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public async Task A_transaction_retried_after_the_sender_left_returns_the_first_event()
    {
        var carol = await Server.RegisterUserAsync();
        (await carol.JoinAsync(_room)).Ok();
        var txn = Guid.NewGuid().ToString("N");
        var first = (await carol.SendAsync(_room, "before leaving", txn)).Ok()["event_id"].Str();
        (await carol.LeaveAsync(_room)).Ok();

        var retried = (await carol.SendAsync(_room, "before leaving", txn)).Ok()["event_id"].Str();

        Assert.That(retried, Is.EqualTo(first));
        (await carol.SendAsync(_room, "after leaving", Guid.NewGuid().ToString("N"))).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task Concurrent_requests_with_one_transaction_id_make_one_event()
    {
        var txn = Guid.NewGuid().ToString("N");
        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _alice.SendAsync(_room, "race", txn)));
        Assert.That(responses.Select(r => r.Ok()["event_id"].Str()).Distinct().Count(), Is.EqualTo(1));
    }

    [Test]
    public async Task Different_transaction_ids_make_different_events()
    {
        var first = (await _alice.SendAsync(_room, "a", "t1-" + Guid.NewGuid())).Ok()["event_id"].Str();
        var second = (await _alice.SendAsync(_room, "a", "t2-" + Guid.NewGuid())).Ok()["event_id"].Str();
        Assert.That(second, Is.Not.EqualTo(first));
    }

    [Test]
    public async Task The_same_transaction_id_from_another_user_is_another_event()
    {
        var txn = Guid.NewGuid().ToString("N");
        var first = (await _alice.SendAsync(_room, "x", txn)).Ok()["event_id"].Str();
        var second = (await _bob.SendAsync(_room, "x", txn)).Ok()["event_id"].Str();
        Assert.That(second, Is.Not.EqualTo(first));
    }

    [Test]
    public async Task Only_the_sending_device_sees_the_transaction_id()
    {
        var txn = "txn-" + Guid.NewGuid().ToString("N");
        var eventId = (await _alice.SendAsync(_room, "mine", txn)).Ok()["event_id"].Str();
        Assert.That((await _alice.GetEventAsync(_room, eventId)).Ok()["unsigned"]!["transaction_id"].Str(), Is.EqualTo(txn));
        Assert.That((await _bob.GetEventAsync(_room, eventId)).Ok()["unsigned"]!.AsObject().ContainsKey("transaction_id"), Is.False);
    }

    [Test]
    public async Task A_non_member_cannot_send()
    {
        var carol = await Server.RegisterUserAsync();
        (await carol.SendAsync(_room, "let me in")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task Sending_into_an_unknown_room_is_403()
    {
        (await _alice.SendAsync($"!unknown:{Server.ServerName}", "hi")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_member_below_events_default_cannot_send()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject
        {
            ["preset"] = "public_chat", ["power_level_content_override"] = new JsonObject { ["events_default"] = 10 },
        });
        (await _bob.JoinAsync(room)).Ok();
        (await _bob.SendAsync(room, "muted")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task Content_over_64_KiB_is_413_M_TOO_LARGE()
    {
        var content = new JsonObject { ["body"] = new string('x', 70_000) };
        var response = await _alice.Client.PutAsync($"{V3}/rooms/{Path(_room)}/send/m.room.message/{Guid.NewGuid():N}", content);
        response.ExpectError(HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
    }

    [Test]
    public async Task An_event_type_over_255_bytes_is_413_M_TOO_LARGE()
    {
        var response = await _alice.Client.PutAsync($"{V3}/rooms/{Path(_room)}/send/{new string('t', 300)}/{Guid.NewGuid():N}", new JsonObject());
        response.ExpectError(HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
    }

    [Test]
    public async Task A_float_in_a_v12_event_is_400_M_BAD_JSON()
    {
        var response = await _alice.Client.SendRawAsync(HttpMethod.Put, $"{V3}/rooms/{Path(_room)}/send/m.room.message/{Guid.NewGuid():N}",
            Encoding.UTF8.GetBytes("{\"body\": \"x\", \"n\": 1.5}"));
        response.ExpectError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    [Test]
    public async Task A_body_that_is_not_json_is_400_M_NOT_JSON()
    {
        var response = await _alice.Client.SendRawAsync(HttpMethod.Put, $"{V3}/rooms/{Path(_room)}/send/m.room.message/{Guid.NewGuid():N}",
            Encoding.UTF8.GetBytes("hello"));
        response.ExpectError(HttpStatusCode.BadRequest, "M_NOT_JSON");
    }

    [Test]
    public async Task A_body_that_is_not_an_object_is_400_M_BAD_JSON()
    {
        var response = await _alice.Client.SendRawAsync(HttpMethod.Put, $"{V3}/rooms/{Path(_room)}/send/m.room.message/{Guid.NewGuid():N}",
            Encoding.UTF8.GetBytes("[1, 2]"));
        response.ExpectError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    [Test]
    public async Task Events_sent_in_a_row_chain_on_each_other()
    {
        var first = await _alice.SendMessageAsync(_room, "1");
        var second = await _alice.SendMessageAsync(_room, "2");
        var stored = await Server.Service<Cluster.Shared.Storage.Events.EventStore>().GetEventAsync(second, CancellationToken.None);
        var pdu = stored!.ToPdu();
        Assert.That(pdu.PrevEventIds, Is.EqualTo(new[] { first }));
        var previous = await Server.Service<Cluster.Shared.Storage.Events.EventStore>().GetEventAsync(first, CancellationToken.None);
        Assert.That(pdu.Depth, Is.EqualTo(previous!.TopologicalOrdering + 1));
    }

    [Test]
    public async Task Concurrent_sends_to_one_room_never_fork_it()
    {
        var room = await _alice.CreatePublicRoomAsync();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _alice.SendMessageAsync(room, $"m{i}")));
        var extremities = await Server.Service<Cluster.Shared.Storage.Events.RoomStore>()
            .GetForwardExtremitiesAsync(room, 100, CancellationToken.None);
        Assert.That(extremities, Has.Count.EqualTo(1));
    }
}
