using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using static Cluster.ClientApi.Tests.Rooms.RoomTestHelpers;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>PUT /redact and redactions sent through PUT /send.</summary>
public class RedactionTests : HomeserverFixture
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

    private Task<MatrixResponse> RedactAsync(TestUser user, string roomId, string eventId, string? txnId = null, string? reason = null)
    {
        var body = new JsonObject();
        if (reason is not null)
            body["reason"] = reason;
        return user.Client.PutAsync($"{V3}/rooms/{Path(roomId)}/redact/{Uri.EscapeDataString(eventId)}/{txnId ?? Guid.NewGuid().ToString("N")}", body);
    }

    [Test]
    public async Task A_redacted_message_is_served_without_its_content_and_with_redacted_because()
    {
        var eventId = await _bob.SendMessageAsync(_room, "oops");
        var redaction = (await RedactAsync(_bob, _room, eventId, reason: "typo")).Ok()["event_id"].Str();
        var evt = (await _alice.GetEventAsync(_room, eventId)).Ok();
        Assert.That(evt["content"]!.AsObject(), Is.Empty);
        var because = evt["unsigned"]!["redacted_because"]!;
        Assert.That(because["event_id"].Str(), Is.EqualTo(redaction));
        Assert.That(because["content"]!["reason"].Str(), Is.EqualTo("typo"));
        Assert.That(because["content"]!["redacts"].Str(), Is.EqualTo(eventId));
    }

    [Test]
    public async Task The_redaction_event_itself_is_readable()
    {
        var eventId = await _bob.SendMessageAsync(_room, "gone");
        var redaction = (await RedactAsync(_bob, _room, eventId)).Ok()["event_id"].Str();
        var evt = (await _alice.GetEventAsync(_room, redaction)).Ok();
        Assert.That(evt["type"].Str(), Is.EqualTo("m.room.redaction"));
        Assert.That(evt["content"]!["redacts"].Str(), Is.EqualTo(eventId));
    }

    [Test]
    public async Task Redacting_with_the_same_transaction_id_returns_the_same_redaction()
    {
        var eventId = await _bob.SendMessageAsync(_room, "twice");
        var txn = Guid.NewGuid().ToString("N");
        var first = (await RedactAsync(_bob, _room, eventId, txn)).Ok()["event_id"].Str();
        var second = (await RedactAsync(_bob, _room, eventId, txn)).Ok()["event_id"].Str();
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public async Task A_member_cannot_redact_someone_elses_event()
    {
        var eventId = await _alice.SendMessageAsync(_room, "mine");
        (await RedactAsync(_bob, _room, eventId)).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        Assert.That((await _bob.GetEventAsync(_room, eventId)).Ok()["content"]!["body"].Str(), Is.EqualTo("mine"));
    }

    [Test]
    public async Task A_moderator_can_redact_someone_elses_event()
    {
        var eventId = await _bob.SendMessageAsync(_room, "spam");
        (await RedactAsync(_alice, _room, eventId)).Ok();
        Assert.That((await _bob.GetEventAsync(_room, eventId)).Ok()["content"]!.AsObject(), Is.Empty);
    }

    [Test]
    public async Task Redacting_an_unknown_event_is_404()
    {
        var response = await RedactAsync(_alice, _room, "$" + new string('A', 43));
        response.ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task Redacting_an_event_of_another_room_is_404()
    {
        var other = await _alice.CreateRoomAsync();
        var eventId = await _alice.SendMessageAsync(other, "elsewhere");
        (await RedactAsync(_alice, _room, eventId)).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task A_redaction_sent_through_send_redacts_too()
    {
        var eventId = await _bob.SendMessageAsync(_room, "via send");
        var response = await _bob.Client.PutAsync($"{V3}/rooms/{Path(_room)}/send/m.room.redaction/{Guid.NewGuid():N}",
            new JsonObject { ["redacts"] = eventId });
        response.Ok();
        Assert.That((await _alice.GetEventAsync(_room, eventId)).Ok()["content"]!.AsObject(), Is.Empty);
    }

    [Test]
    public async Task Before_v11_the_redaction_names_its_target_at_the_top_level()
    {
        var room = await _alice.CreateRoomAsync(new JsonObject { ["room_version"] = "10" });
        var eventId = await _alice.SendMessageAsync(room, "old style");
        var redaction = (await RedactAsync(_alice, room, eventId)).Ok()["event_id"].Str();
        var evt = (await _alice.GetEventAsync(room, redaction)).Ok();
        Assert.That(evt["redacts"].Str(), Is.EqualTo(eventId));
        Assert.That((await _alice.GetEventAsync(room, eventId)).Ok()["content"]!.AsObject(), Is.Empty);
    }

    [Test]
    public async Task A_redacted_state_event_keeps_the_keys_its_room_version_protects()
    {
        var room = await _alice.CreateRoomAsync();
        var eventId = (await _alice.PutStateAsync(room, "m.room.join_rules", "", new JsonObject { ["join_rule"] = "public", ["extra"] = "x" }))
            .Ok()["event_id"].Str();
        (await RedactAsync(_alice, room, eventId)).Ok();
        var content = (await _alice.GetStateAsync(room, "m.room.join_rules")).Ok();
        Assert.That(content, Is.EqualTo(new JsonObject { ["join_rule"] = "public" }).Using<JsonNode>(JsonNode.DeepEquals));
    }
}
