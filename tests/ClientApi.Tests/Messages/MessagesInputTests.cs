using System.Net;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using static Cluster.ClientApi.Tests.Rooms.RoomTestHelpers;

namespace Cluster.ClientApi.Tests.Messages;

/// <summary>What a careless or malicious client sends /messages and /context.</summary>
public class MessagesInputTests : HomeserverFixture
{
    private TestUser _alice = null!;
    private string _room = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
        _room = await _alice.CreatePublicRoomAsync();
        for (var i = 0; i < 3; i++)
            await _alice.SendMessageAsync(_room, $"message {i}");
    }

    private Task<MatrixResponse> Messages(string query) => _alice.MessagesAsync(_room, query);

    [Test]
    public async Task Missing_dir_is_400_M_INVALID_PARAM() =>
        (await Messages("limit=3")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

    [TestCase("x")]
    [TestCase("B")]
    [TestCase("")]
    [TestCase("backwards")]
    public async Task An_unknown_dir_is_400_M_INVALID_PARAM(string dir) =>
        (await Messages($"dir={dir}")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

    [Test]
    public async Task Dir_given_twice_is_400_M_INVALID_PARAM() =>
        (await Messages("dir=b&dir=f")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

    [TestCase("-1")]
    [TestCase("0")]
    [TestCase("abc")]
    [TestCase("1.5")]
    [TestCase("1e3")]
    [TestCase("+5")]
    [TestCase(" 5")]
    public async Task A_bad_limit_is_400_M_INVALID_PARAM(string limit) =>
        (await Messages($"dir=b&limit={Uri.EscapeDataString(limit)}")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

    [TestCase("t-1-5")]
    [TestCase("t5")]
    [TestCase("t5-")]
    [TestCase("t05-1")]
    [TestCase("t99999999999999999999-0")]
    [TestCase("garbage")]
    [TestCase("s-3")]
    [TestCase("m1~x.2")]
    [TestCase("s1_x_0")]
    [TestCase("../../etc/passwd")]
    public async Task A_forged_from_token_is_400_M_INVALID_PARAM(string token) =>
        (await Messages($"dir=b&from={Uri.EscapeDataString(token)}")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

    [Test]
    public async Task A_forged_to_token_is_400_M_INVALID_PARAM() =>
        (await Messages("dir=b&to=t-1-5")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

    [Test]
    public async Task A_5_KB_token_is_400_M_INVALID_PARAM() =>
        (await Messages($"dir=b&from=t1-{new string('1', 5 * 1024)}")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

    [Test]
    public async Task A_10_KB_token_is_refused_without_a_server_error()
    {
        var response = await Messages($"dir=b&from={new string('s', 10 * 1024)}");
        Assert.That((int)response.Status, Is.InRange(400, 499));
    }

    [Test]
    public async Task A_token_far_beyond_the_room_backwards_serves_from_the_newest_event()
    {
        var newest = (await Messages("dir=b&limit=1")).Ok()["chunk"].EventIds();
        var body = (await Messages("dir=b&limit=1&from=t999999999999-0")).Ok();
        Assert.That(body["chunk"].EventIds(), Is.EqualTo(newest));
    }

    [Test]
    public async Task A_token_far_beyond_the_room_forwards_is_an_empty_chunk_without_end()
    {
        var body = (await Messages("dir=f&from=t999999999999-0")).Ok();
        Assert.That(body["chunk"]!.AsArray(), Is.Empty);
        Assert.That(body.ContainsKey("end"), Is.False);
    }

    [Test]
    public async Task A_token_at_the_largest_positions_is_served()
    {
        var body = (await Messages($"dir=b&limit=1&from=t{long.MaxValue}-{long.MaxValue}")).Ok();
        Assert.That(body["chunk"]!.AsArray(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_live_token_before_the_room_existed_is_an_empty_chunk_backwards()
    {
        var body = (await Messages("dir=b&from=s0")).Ok();
        Assert.That(body["chunk"]!.AsArray(), Is.Empty);
        Assert.That(body.ContainsKey("end"), Is.False);
    }

    [TestCase("not json")]
    [TestCase("{\"types\":")]
    [TestCase("[1,2]")]
    [TestCase("{\"types\":\"m.room.message\"}")]
    [TestCase("{\"limit\":\"ten\"}")]
    [TestCase("{\"lazy_load_members\":1}")]
    [TestCase("{\"limit\":1.5}")]
    public async Task An_invalid_filter_is_400_M_BAD_JSON(string filter) =>
        (await Messages($"dir=b&filter={Uri.EscapeDataString(filter)}")).ExpectError(HttpStatusCode.BadRequest, "M_BAD_JSON");

    [Test]
    public async Task A_filter_limit_of_0_is_400_M_INVALID_PARAM() =>
        (await Messages($"dir=b&filter={Uri.EscapeDataString("{\"limit\":0}")}")).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

    [Test]
    public async Task Invalid_utf8_in_the_filter_is_not_a_server_error()
    {
        var response = await Messages("dir=b&filter=%7B%22types%22%3A%5B%22%FF%FE%22%5D%7D");
        Assert.That((int)response.Status, Is.EqualTo(200).Or.InRange(400, 499), response.Body?.ToJsonString());
    }

    [Test]
    public async Task Invalid_utf8_as_the_whole_filter_is_not_a_server_error()
    {
        var response = await Messages("dir=b&filter=%FF%FE%C0%AF");
        Assert.That((int)response.Status, Is.InRange(400, 499), response.Body?.ToJsonString());
    }

    [Test]
    public async Task A_filter_larger_than_64_KB_is_413_M_TOO_LARGE()
    {
        var huge = "{\"types\":[\"" + new string('a', 70 * 1024) + "\"]}";
        var response = await _alice.Client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get,
            $"{V3}/rooms/{Path(_room)}/messages?dir=b&filter={Uri.EscapeDataString(huge)}")
        {
            Headers = { Authorization = new("Bearer", _alice.AccessToken) },
        });
        // Kestrel may refuse a request line this long before the server reads it; either way no 5xx.
        Assert.That((int)response.StatusCode, Is.InRange(400, 499));
    }

    [Test]
    public async Task A_filter_excluding_the_room_returns_nothing()
    {
        var filter = Uri.EscapeDataString($$"""{"not_rooms":["{{_room}}"]}""");
        var body = (await Messages($"dir=b&filter={filter}")).Ok();
        Assert.That(body["chunk"]!.AsArray(), Is.Empty);
        Assert.That(body.ContainsKey("end"), Is.False);
    }

    [TestCase("..%2F..%2Fetc%2Fpasswd")]
    [TestCase("!room")]
    [TestCase("room:test.local")]
    public async Task A_malformed_room_id_is_400_M_INVALID_PARAM(string roomId)
    {
        var response = await _alice.Client.GetAsync($"{V3}/rooms/{roomId}/messages?dir=b");
        response.ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task A_dot_dot_room_segment_never_reaches_the_endpoint()
    {
        // Kestrel removes dot segments before routing: the path names no endpoint at all.
        var response = await _alice.Client.GetAsync($"{V3}/rooms/%2E%2E/messages?dir=b");
        response.ExpectError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
    }

    [TestCase("..%2F..%2Fetc%2Fpasswd")]
    [TestCase("%24..%2Fx")]
    public async Task A_path_traversal_event_id_in_context_is_refused(string eventId)
    {
        var response = await _alice.Client.GetAsync($"{V3}/rooms/{Path(_room)}/context/{eventId}");
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest).Or.EqualTo(HttpStatusCode.NotFound), response.Body?.ToJsonString());
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM").Or.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task A_context_filter_that_is_not_json_is_400_M_BAD_JSON() =>
        (await _alice.ContextAsync(_room, (await Messages("dir=b&limit=1")).Ok()["chunk"].EventIds()[0], "filter=nope"))
            .ExpectError(HttpStatusCode.BadRequest, "M_BAD_JSON");

    [Test]
    public async Task A_huge_context_limit_is_capped_not_refused()
    {
        var eventId = (await Messages("dir=b&limit=1")).Ok()["chunk"].EventIds()[0];
        var body = (await _alice.ContextAsync(_room, eventId, "limit=4294967296")).Ok();
        Assert.That(body["event"]!["event_id"].Str(), Is.EqualTo(eventId));
    }
}
