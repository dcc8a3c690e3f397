using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.StreamsSupport;
using Cluster.Replication.Streams.Typing;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.Typing;

/// <summary>PUT /rooms/{roomId}/typing/{userId} and the typing set /sync reads.</summary>
public class TypingTests
{
    private Homeserver _server = null!;
    private TestUser _alice = null!;
    private TestUser _bob = null!;
    // Observes the single process's memory: tests that read it are skipped against a cluster.
    private TypingReader Reader => _server.Services.GetRequiredService<TypingReader>();

    [OneTimeSetUp]
    public async Task Start()
    {
        _server = await Homeserver.StartAsync();
        _alice = await _server.RegisterUserAsync();
        _bob = await _server.RegisterUserAsync();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _alice.Client.Dispose();
        _bob.Client.Dispose();
        await _server.DisposeAsync();
    }

    /// <summary>A public room the first user creates and the others join.</summary>
    private static async Task<string> JoinedRoomAsync(params TestUser[] users)
    {
        var room = await users[0].CreatePublicRoomAsync();
        foreach (var user in users.Skip(1))
            (await user.JoinAsync(room)).Ok();
        return room;
    }

    private static string TypingPath(string room, string user) =>
        $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/typing/{Uri.EscapeDataString(user)}";

    private static Task<MatrixResponse> SetTyping(TestUser user, string room, bool typing, long? timeout = 30000)
    {
        var body = new JsonObject { ["typing"] = typing };
        if (timeout is not null)
            body["timeout"] = timeout;
        return user.Client.PutAsync(TypingPath(room, user.UserId), body);
    }

    [Test]
    public async Task Typing_true_puts_the_user_in_the_rooms_typing_set()
    {
        var room = await JoinedRoomAsync(_alice);

        (await SetTyping(_alice, room, true)).Ok();

        Assert.That(Reader.TypingUsers(room), Is.EqualTo(new[] { _alice.UserId }));
    }

    [Test]
    public async Task Typing_event_lists_every_typing_user()
    {
        var room = await JoinedRoomAsync(_alice, _bob);

        (await SetTyping(_alice, room, true)).Ok();
        (await SetTyping(_bob, room, true)).Ok();

        var typingEvent = Reader.TypingEvent(room);
        Assert.That(typingEvent["type"]!.GetValue<string>(), Is.EqualTo("m.typing"));
        var users = typingEvent["content"]!["user_ids"]!.AsArray().Select(u => u!.GetValue<string>());
        Assert.That(users, Is.EquivalentTo(new[] { _alice.UserId, _bob.UserId }));
    }

    [Test]
    public async Task Typing_false_takes_the_user_out_of_the_set()
    {
        var room = await JoinedRoomAsync(_alice);
        (await SetTyping(_alice, room, true)).Ok();

        (await SetTyping(_alice, room, false, timeout: null)).Ok();

        Assert.That(Reader.TypingUsers(room), Is.Empty);
    }

    [Test]
    public async Task Typing_stops_by_itself_when_the_timeout_runs_out()
    {
        var room = await JoinedRoomAsync(_alice);
        (await SetTyping(_alice, room, true, timeout: 300)).Ok();
        var afterStart = Reader.Position;

        var stopped = await Eventually.TrueWithinAsync(TimeSpan.FromSeconds(10), () => Reader.TypingUsers(room).Count == 0);

        Assert.That(stopped, Is.True, "the typing never expired");
        // The expiry is a stream row of its own, so an incremental sync sees the change.
        Assert.That(Reader.RoomsChangedSince(afterStart, [room]), Is.EqualTo(new[] { room }));
    }

    [Test]
    public async Task A_typing_change_is_reported_as_a_room_change_after_the_previous_token()
    {
        var room = await JoinedRoomAsync(_alice);
        var quietRoom = await JoinedRoomAsync(_alice);
        var before = Reader.Position;

        (await SetTyping(_alice, room, true)).Ok();

        Assert.That(Reader.Position.IsAfter(before), Is.True);
        Assert.That(Reader.RoomsChangedSince(before, [room, quietRoom]), Is.EqualTo(new[] { room }));
        Assert.That(Reader.RoomsChangedSince(Reader.Position, [room, quietRoom]), Is.Empty);
    }

    [Test]
    public async Task A_huge_timeout_is_capped()
    {
        var room = await JoinedRoomAsync(_alice);

        (await SetTyping(_alice, room, true, timeout: 10_000_000_000)).Ok();

        var entry = _server.Services.GetRequiredService<TypingState>().Latest(room, _alice.UserId);
        var cap = DateTimeOffset.UtcNow.AddSeconds(121).ToUnixTimeMilliseconds();
        Assert.That(entry?.ExpiresAtMs, Is.LessThan(cap));
    }

    [Test]
    public async Task Typing_as_another_user_is_403_M_FORBIDDEN()
    {
        var room = await JoinedRoomAsync(_alice, _bob);

        var response = await _alice.Client.PutAsync(TypingPath(room, _bob.UserId), new JsonObject { ["typing"] = true, ["timeout"] = 1000 });

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
        Assert.That(Reader.TypingUsers(room), Is.Empty);
    }

    [Test]
    public async Task Typing_in_a_room_the_user_is_not_joined_to_is_403_M_FORBIDDEN()
    {
        var room = await JoinedRoomAsync(_bob);

        var response = await SetTyping(_alice, room, true);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [Test]
    public async Task Typing_after_leaving_the_room_is_403_M_FORBIDDEN()
    {
        var room = await JoinedRoomAsync(_bob);
        (await _alice.JoinAsync(room)).Ok();
        (await _alice.LeaveAsync(room)).Ok();

        var response = await SetTyping(_alice, room, true);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task Typing_without_the_typing_field_is_400_M_BAD_JSON()
    {
        var room = await JoinedRoomAsync(_alice);

        var response = await _alice.Client.PutAsync(TypingPath(room, _alice.UserId), new JsonObject { ["timeout"] = 1000 });

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Typing_true_without_a_timeout_is_400_M_BAD_JSON()
    {
        var room = await JoinedRoomAsync(_alice);

        var response = await SetTyping(_alice, room, true, timeout: null);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Typing_with_a_string_timeout_is_400_M_BAD_JSON()
    {
        var room = await JoinedRoomAsync(_alice);

        var response = await _alice.Client.PutAsync(TypingPath(room, _alice.UserId), new JsonObject { ["typing"] = true, ["timeout"] = "30000" });

        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Typing_with_a_negative_timeout_is_400_M_INVALID_PARAM()
    {
        var room = await JoinedRoomAsync(_alice);

        var response = await SetTyping(_alice, room, true, timeout: -5);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task Typing_in_a_malformed_room_ID_is_400_M_INVALID_PARAM()
    {
        var response = await SetTyping(_alice, "not-a-room", true);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task Typing_with_a_body_that_is_not_UTF8_is_400_M_NOT_JSON()
    {
        var room = await JoinedRoomAsync(_alice);
        var body = Encoding.UTF8.GetBytes("{\"typing\": true, \"timeout\": 1000, \"x\": \"").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray();

        var response = await _alice.Client.SendRawAsync(HttpMethod.Put, TypingPath(room, _alice.UserId), body);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_JSON"));
    }

    [Test]
    public async Task Typing_without_an_access_token_is_401_M_MISSING_TOKEN()
    {
        using var anonymous = _server.NewClient();
        var response = await anonymous.PutAsync(TypingPath($"!nowhere:{_server.ServerName}", _alice.UserId), new JsonObject { ["typing"] = false });

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_TOKEN"));
    }
}
