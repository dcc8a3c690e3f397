using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;

namespace Cluster.ClientApi.Tests.Messages;

/// <summary>GET /rooms/{roomId}/context/{eventId}.</summary>
public class ContextTests : HomeserverFixture
{
    private TestUser _alice = null!;
    private TestUser _bob = null!;
    private TestUser _carol = null!;
    private string _room = null!;
    private List<string> _messages = null!;
    private List<EventRow> _timeline = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
        _bob = await Server.RegisterUserAsync();
        _carol = await Server.RegisterUserAsync();
        _room = await _alice.CreatePublicRoomAsync();
        (await _bob.JoinAsync(_room)).Ok();
        (await _carol.JoinAsync(_room)).Ok();
        _messages = [];
        for (var i = 0; i < 20; i++)
        {
            if (i == 12)
                (await _alice.PutStateAsync(_room, "m.room.topic", "", new JsonObject { ["topic"] = "changed at 12" })).Ok();
            _messages.Add(await (i % 2 == 0 ? _alice : _bob).SendMessageAsync(_room, $"message {i}"));
        }
        _timeline = await Server.TimelineAsync(_room);
    }

    private int IndexOf(string eventId) => _timeline.FindIndex(r => r.EventId == eventId);

    [Test]
    public async Task The_limit_is_split_between_events_before_newest_first_and_events_after_oldest_first()
    {
        var target = _messages[8];
        var at = IndexOf(target);
        var body = (await _alice.ContextAsync(_room, target, "limit=4")).Ok();
        Assert.That(body["event"]!["event_id"].Str(), Is.EqualTo(target));
        Assert.That(body["events_before"].EventIds(), Is.EqualTo(new[] { _timeline[at - 1].EventId, _timeline[at - 2].EventId }));
        Assert.That(body["events_after"].EventIds(), Is.EqualTo(new[] { _timeline[at + 1].EventId, _timeline[at + 2].EventId }));
    }

    [Test]
    public async Task The_default_limit_is_10()
    {
        var body = (await _alice.ContextAsync(_room, _messages[10])).Ok();
        Assert.That(body["events_before"]!.AsArray().Count + body["events_after"]!.AsArray().Count, Is.EqualTo(10));
    }

    [Test]
    public async Task Limit_0_returns_the_event_alone()
    {
        var body = (await _alice.ContextAsync(_room, _messages[5], "limit=0")).Ok();
        Assert.That(body["event"]!["event_id"].Str(), Is.EqualTo(_messages[5]));
        Assert.That(body["events_before"]!.AsArray(), Is.Empty);
        Assert.That(body["events_after"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task Start_continues_backwards_with_messages_from_just_before_events_before()
    {
        var target = _messages[10];
        var at = IndexOf(target);
        var body = (await _alice.ContextAsync(_room, target, "limit=4")).Ok();
        var next = (await _alice.MessagesAsync(_room, $"dir=b&limit=3&from={body["start"].Str()}")).Ok()["chunk"].EventIds();
        Assert.That(next, Is.EqualTo(new[] { _timeline[at - 3].EventId, _timeline[at - 4].EventId, _timeline[at - 5].EventId }));
    }

    [Test]
    public async Task End_continues_forwards_with_messages_from_just_after_events_after()
    {
        var target = _messages[10];
        var at = IndexOf(target);
        var body = (await _alice.ContextAsync(_room, target, "limit=4")).Ok();
        var next = (await _alice.MessagesAsync(_room, $"dir=f&limit=3&from={body["end"].Str()}")).Ok()["chunk"].EventIds();
        Assert.That(next, Is.EqualTo(new[] { _timeline[at + 3].EventId, _timeline[at + 4].EventId, _timeline[at + 5].EventId }));
    }

    [Test]
    public async Task State_is_the_state_at_the_last_event_returned()
    {
        // messages[10] with two after: the topic change (before messages[12]) is not reached yet.
        var early = (await _alice.ContextAsync(_room, _messages[9], "limit=2")).Ok();
        Assert.That(Topic(early["state"]!.AsArray()), Is.Null);
        var later = (await _alice.ContextAsync(_room, _messages[11], "limit=4")).Ok();
        Assert.That(Topic(later["state"]!.AsArray()), Is.EqualTo("changed at 12"));
        Assert.That(later["state"]!.AsArray().Count(e => e!["type"].Str() == "m.room.member"), Is.EqualTo(3));
    }

    [Test]
    public async Task Lazy_loaded_state_holds_the_member_events_of_the_returned_events_senders_only()
    {
        var filter = Uri.EscapeDataString("""{"lazy_load_members":true}""");
        var body = (await _alice.ContextAsync(_room, _messages[15], $"limit=2&filter={filter}")).Ok();
        var state = body["state"]!.AsArray();
        Assert.That(state.Select(e => e!["type"].Str()).Distinct(), Is.EqualTo(new[] { "m.room.member" }));
        Assert.That(state.Select(e => e!["state_key"].Str()), Is.EquivalentTo(new[] { _alice.UserId, _bob.UserId }));
    }

    [Test]
    public async Task The_filter_applies_to_the_surrounding_events_but_not_to_the_event()
    {
        var filter = Uri.EscapeDataString($$"""{"senders":["{{_alice.UserId}}"],"types":["m.room.message"]}""");
        var body = (await _alice.ContextAsync(_room, _messages[9], $"limit=4&filter={filter}")).Ok();
        Assert.That(body["event"]!["sender"].Str(), Is.EqualTo(_bob.UserId));
        Assert.That(body["events_before"].EventIds(), Is.EqualTo(new[] { _messages[8], _messages[6] }));
        Assert.That(body["events_after"].EventIds(), Is.EqualTo(new[] { _messages[10], _messages[12] }));
    }

    [Test]
    public async Task Context_of_the_create_event_has_nothing_before()
    {
        var create = _timeline[0].EventId;
        var body = (await _alice.ContextAsync(_room, create, "limit=4")).Ok();
        Assert.That(body["events_before"]!.AsArray(), Is.Empty);
        Assert.That(body["events_after"].EventIds(), Is.EqualTo(_timeline.Skip(1).Take(2).Select(r => r.EventId).ToList()));
        var back = (await _alice.MessagesAsync(_room, $"dir=b&from={body["start"].Str()}")).Ok();
        Assert.That(back["chunk"]!.AsArray(), Is.Empty);
        Assert.That(back.ContainsKey("end"), Is.False);
    }

    [Test]
    public async Task An_unknown_event_is_404_M_NOT_FOUND()
    {
        (await _alice.ContextAsync(_room, "$doesnotexist0000000000000000000000000000000")).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task An_event_of_another_room_is_404_M_NOT_FOUND()
    {
        var other = await _alice.CreatePublicRoomAsync();
        var message = await _alice.SendMessageAsync(other, "elsewhere");
        (await _alice.ContextAsync(_room, message)).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task A_negative_limit_is_400_M_INVALID_PARAM()
    {
        (await _alice.ContextAsync(_room, _messages[3], "limit=-1")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task A_malformed_event_id_is_400_M_INVALID_PARAM()
    {
        (await _alice.ContextAsync(_room, "not-an-event-id")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    private static string? Topic(JsonArray state) =>
        state.FirstOrDefault(e => e!["type"].Str() == "m.room.topic")?["content"]?["topic"]?.GetValue<string>();
}
