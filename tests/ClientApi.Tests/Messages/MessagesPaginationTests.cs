using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Replication.Tokens;
using Cluster.ClientApi.Tests.Rooms;
using static Cluster.ClientApi.Tests.Rooms.RoomTestHelpers;

namespace Cluster.ClientApi.Tests.Messages;

/// <summary>Walking a room of about 120 events: order, completeness, tokens.</summary>
public class MessagesPaginationTests : HomeserverFixture
{
    private TestUser _alice = null!;
    private TestUser _bob = null!;
    private string _room = null!;
    private List<EventRow> _timeline = null!;
    private readonly List<string> _bobMessages = [];

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
        _bob = await Server.RegisterUserAsync();
        _room = await _alice.CreatePublicRoomAsync();
        (await _bob.JoinAsync(_room)).Ok();
        for (var i = 0; i < 112; i++)
        {
            var sender = i % 3 == 0 ? _bob : _alice;
            if (i % 25 == 10)
                (await _alice.PutStateAsync(_room, "m.room.topic", "", new JsonObject { ["topic"] = $"topic {i}" })).Ok();
            else if (sender == _bob)
                _bobMessages.Add(await sender.SendMessageAsync(_room, $"message {i}"));
            else
                await sender.SendMessageAsync(_room, $"message {i}");
        }
        _timeline = await Server.TimelineAsync(_room);
    }

    private IReadOnlyList<string> AllIds => [.. _timeline.Select(r => r.EventId)];

    [Test]
    public void The_room_has_about_120_events()
    {
        Assert.That(_timeline, Has.Count.InRange(115, 125));
    }

    [Test]
    public async Task Backwards_from_the_newest_event_returns_every_event_once_newest_first_down_to_the_create_event()
    {
        var walked = await _alice.WalkAllAsync(_room, "b", 7);
        Assert.That(walked, Is.EqualTo(AllIds.Reverse().ToList()));
        Assert.That(_timeline[0].Type, Is.EqualTo("m.room.create"));
    }

    [Test]
    public async Task Forwards_from_the_start_returns_every_event_once_oldest_first()
    {
        var walked = await _alice.WalkAllAsync(_room, "f", 7);
        Assert.That(walked, Is.EqualTo(AllIds));
    }

    [Test]
    public async Task Forwards_from_a_sync_prev_batch_returns_the_events_from_that_timeline_start_on()
    {
        var first = _timeline[60];
        var walked = await _alice.WalkAllAsync(_room, "f", 9, from: MessagesTestHelpers.PrevBatchFor(first));
        Assert.That(walked, Is.EqualTo(AllIds.Skip(60).ToList()));
    }

    [Test]
    public async Task Backwards_from_a_sync_prev_batch_returns_every_earlier_event_and_never_the_timelines_first()
    {
        var first = _timeline[50];
        var walked = await _alice.WalkAllAsync(_room, "b", 7, from: MessagesTestHelpers.PrevBatchFor(first));
        Assert.That(walked, Is.EqualTo(AllIds.Take(50).Reverse().ToList()));
    }

    [Test]
    public async Task Backwards_end_token_used_forwards_returns_the_page_just_served_again_in_order()
    {
        var page = (await _alice.MessagesAsync(_room, "dir=b&limit=5")).Ok();
        var backwards = page["chunk"].EventIds();
        var forwards = (await _alice.MessagesAsync(_room, $"dir=f&limit=5&from={page["end"].Str()}")).Ok()["chunk"].EventIds();
        Assert.That(forwards, Is.EqualTo(backwards.Reverse().ToList()));
    }

    [Test]
    public async Task Start_without_from_is_a_token_that_serves_the_same_page_again()
    {
        var first = (await _alice.MessagesAsync(_room, "dir=b&limit=4")).Ok();
        var again = (await _alice.MessagesAsync(_room, $"dir=b&limit=4&from={first["start"].Str()}")).Ok();
        Assert.That(again["chunk"].EventIds(), Is.EqualTo(first["chunk"].EventIds()));
    }

    [Test]
    public async Task Start_echoes_the_from_token()
    {
        var from = MessagesTestHelpers.PrevBatchFor(_timeline[30]);
        var body = (await _alice.MessagesAsync(_room, $"dir=b&limit=3&from={from}")).Ok();
        Assert.That(body["start"].Str(), Is.EqualTo(from));
    }

    [Test]
    public async Task Default_limit_is_10()
    {
        var body = (await _alice.MessagesAsync(_room, "dir=b")).Ok();
        Assert.That(body["chunk"]!.AsArray(), Has.Count.EqualTo(10));
    }

    [Test]
    public async Task A_limit_beyond_the_cap_is_served_capped_and_the_whole_room_fits()
    {
        var body = (await _alice.MessagesAsync(_room, "dir=f&limit=99999999999999999999999")).Ok();
        Assert.That(body["chunk"].EventIds(), Is.EqualTo(AllIds));
        Assert.That(body.ContainsKey("end"), Is.False);
    }

    [Test]
    public async Task End_is_omitted_when_the_page_reaches_the_create_event_exactly()
    {
        var from = MessagesTestHelpers.PrevBatchFor(_timeline[5]);
        var body = (await _alice.MessagesAsync(_room, $"dir=b&limit=5&from={from}")).Ok();
        Assert.That(body["chunk"].EventIds(), Is.EqualTo(AllIds.Take(5).Reverse().ToList()));
        Assert.That(body.ContainsKey("end"), Is.False);
    }

    [Test]
    public async Task End_is_present_when_events_remain()
    {
        var body = (await _alice.MessagesAsync(_room, "dir=b&limit=5")).Ok();
        Assert.That(body["end"].Str(), Does.StartWith("t"));
    }

    [Test]
    public async Task Forwards_from_the_newest_event_is_an_empty_chunk_without_end()
    {
        var newest = (await _alice.MessagesAsync(_room, "dir=b&limit=1")).Ok()["start"].Str();
        var body = (await _alice.MessagesAsync(_room, $"dir=f&from={newest}")).Ok();
        Assert.That(body["chunk"]!.AsArray(), Is.Empty);
        Assert.That(body.ContainsKey("end"), Is.False);
    }

    [Test]
    public async Task To_bounds_a_backwards_walk()
    {
        var from = MessagesTestHelpers.PrevBatchFor(_timeline[40]);
        var to = MessagesTestHelpers.PrevBatchFor(_timeline[30]);
        var walked = await _alice.WalkAllAsync(_room, "b", 4, from: from, extra: $"&to={to}");
        Assert.That(walked, Is.EqualTo(AllIds.Skip(30).Take(10).Reverse().ToList()));
    }

    [Test]
    public async Task To_bounds_a_forwards_walk()
    {
        var from = MessagesTestHelpers.PrevBatchFor(_timeline[20]);
        var to = MessagesTestHelpers.PrevBatchFor(_timeline[33]);
        var walked = await _alice.WalkAllAsync(_room, "f", 4, from: from, extra: $"&to={to}");
        Assert.That(walked, Is.EqualTo(AllIds.Skip(20).Take(13).ToList()));
    }

    [Test]
    public async Task A_live_room_token_starts_just_after_the_newest_event_at_that_position()
    {
        var at = _timeline[70];
        var body = (await _alice.MessagesAsync(_room, $"dir=b&limit=3&from=s{at.Stream}")).Ok();
        Assert.That(body["chunk"].EventIds(), Is.EqualTo(AllIds.Skip(68).Take(3).Reverse().ToList()));
    }

    [Test]
    public async Task A_sync_next_batch_is_read_by_its_events_position()
    {
        var at = _timeline[80];
        var token = new SyncToken(events: StreamPositionVector.At(at.Stream), accountData: StreamPositionVector.At(3)).ToString();
        Assert.That(token, Does.Contain("_"));
        var body = (await _alice.MessagesAsync(_room, $"dir=f&limit=2&from={token}")).Ok();
        Assert.That(body["chunk"].EventIds(), Is.EqualTo(AllIds.Skip(81).Take(2).ToList()));
        Assert.That(body["start"].Str(), Is.EqualTo(token));
    }

    [Test]
    public async Task A_multi_writer_live_token_is_accepted()
    {
        var at = _timeline[90];
        var token = new LiveRoomStreamToken(StreamPositionVector.Create(at.Stream, new WriterPosition(7, at.Stream + 1000))).ToString();
        Assert.That(token, Does.StartWith("m"));
        var response = await _alice.MessagesAsync(_room, $"dir=b&limit=1&from={Uri.EscapeDataString(token)}");
        Assert.That(response.Ok()["chunk"].EventIds(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_filter_on_types_keeps_only_those_types_and_still_walks_everything()
    {
        var filter = Uri.EscapeDataString("""{"types":["m.room.topic"]}""");
        var walked = await _alice.WalkAllAsync(_room, "b", 2, extra: $"&filter={filter}");
        var topics = _timeline.Where(r => r.Type == "m.room.topic").Select(r => r.EventId).Reverse().ToList();
        Assert.That(walked, Is.EqualTo(topics));
    }

    [Test]
    public async Task A_filter_on_senders_keeps_only_their_events()
    {
        var filter = Uri.EscapeDataString($$"""{"senders":["{{_bob.UserId}}"],"types":["m.room.message"]}""");
        var body = (await _alice.MessagesAsync(_room, $"dir=b&limit=1000&filter={filter}")).Ok();
        Assert.That(body["chunk"].EventIds(), Is.EqualTo(_bobMessages.AsEnumerable().Reverse().ToList()));
    }

    [Test]
    public async Task The_filters_limit_applies_when_the_query_has_none()
    {
        var filter = Uri.EscapeDataString("""{"limit":3}""");
        var body = (await _alice.MessagesAsync(_room, $"dir=b&filter={filter}")).Ok();
        Assert.That(body["chunk"]!.AsArray(), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Lazy_loading_returns_the_member_events_of_the_chunks_senders_only()
    {
        var filter = Uri.EscapeDataString($$"""{"lazy_load_members":true,"senders":["{{_bob.UserId}}"]}""");
        var body = (await _alice.MessagesAsync(_room, $"dir=b&limit=3&filter={filter}")).Ok();
        var state = body["state"]!.AsArray();
        Assert.That(state.Select(e => e!["state_key"].Str()), Is.EqualTo(new[] { _bob.UserId }));
        Assert.That(state[0]!["type"].Str(), Is.EqualTo("m.room.member"));
        Assert.That(state[0]!["content"]!["membership"].Str(), Is.EqualTo("join"));
    }

    [Test]
    public async Task Without_lazy_loading_there_is_no_state()
    {
        var body = (await _alice.MessagesAsync(_room, "dir=b&limit=3")).Ok();
        Assert.That(body.ContainsKey("state"), Is.False);
    }

    [Test]
    public async Task The_r0_path_serves_the_same()
    {
        var response = await _alice.Client.GetAsync($"/_matrix/client/r0/rooms/{Path(_room)}/messages?dir=b&limit=2");
        Assert.That(response.Ok()["chunk"]!.AsArray(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Without_an_access_token_it_is_401()
    {
        using var anonymous = Server.NewClient();
        var response = await anonymous.GetAsync($"{V3}/rooms/{Path(_room)}/messages?dir=b");
        response.ExpectError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }
}
