using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Replication.Streams.Receipts;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.Receipts;

/// <summary>POST receipt and read_markers, and the m.receipt events /sync reads.</summary>
public class ReceiptTests
{
    private Homeserver _server = null!;
    private TestUser _alice = null!;
    private TestUser _bob = null!;
    // Observes the single process's memory: tests that read it are skipped against a cluster.
    private ReceiptsReader Reader => _server.Services.GetRequiredService<ReceiptsReader>();

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

    /// <summary>A public room of bob's that alice joined, with a message from bob.</summary>
    private async Task<(string Room, string Event)> RoomWithEventAsync()
    {
        var room = await _bob.CreatePublicRoomAsync();
        (await _alice.JoinAsync(room)).Ok();
        return (room, await _bob.SendMessageAsync(room, "hello"));
    }

    private static string ReceiptPath(string room, string type, string eventId) =>
        $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/receipt/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(eventId)}";

    private static string MarkersPath(string room) => $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/read_markers";

    private async Task<JsonObject?> LatestContentAsync(string room, TestUser viewer)
    {
        var byRoom = await Reader.GetLatestAsync([room], viewer.UserId, CancellationToken.None);
        return byRoom.TryGetValue(room, out var events) ? events.Single()["content"]!.AsObject() : null;
    }

    [Test]
    public async Task A_read_receipt_appears_in_the_rooms_m_receipt_event()
    {
        var (room, eventId) = await RoomWithEventAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        (await _alice.Client.PostAsync(ReceiptPath(room, "m.read", eventId), new JsonObject())).Ok();

        var events = (await Reader.GetLatestAsync([room], _bob.UserId, CancellationToken.None))[room];
        Assert.That(events.Single()["type"]!.GetValue<string>(), Is.EqualTo("m.receipt"));
        var receipt = events.Single()["content"]![eventId]!["m.read"]![_alice.UserId]!.AsObject();
        Assert.That(receipt["ts"]!.GetValue<long>(), Is.GreaterThanOrEqualTo(before));
        Assert.That(receipt.ContainsKey("thread_id"), Is.False, "an unthreaded receipt has no thread_id");
    }

    [Test]
    public async Task A_receipt_with_an_empty_body_is_accepted()
    {
        var (room, eventId) = await RoomWithEventAsync();

        var response = await _alice.Client.SendRawAsync(HttpMethod.Post, ReceiptPath(room, "m.read", eventId), null);

        response.Ok();
    }

    [Test]
    public async Task A_private_receipt_is_shown_to_its_sender_only()
    {
        var (room, eventId) = await RoomWithEventAsync();

        (await _alice.Client.PostAsync(ReceiptPath(room, "m.read.private", eventId), new JsonObject())).Ok();

        var own = await LatestContentAsync(room, _alice);
        Assert.That(own?[eventId]?["m.read.private"]?[_alice.UserId], Is.Not.Null);
        Assert.That(await LatestContentAsync(room, _bob), Is.Null);
    }

    [Test]
    public async Task A_threaded_receipt_keeps_its_thread_id()
    {
        var (room, eventId) = await RoomWithEventAsync();

        (await _alice.Client.PostAsync(ReceiptPath(room, "m.read", eventId), new JsonObject { ["thread_id"] = "main" })).Ok();

        var content = await LatestContentAsync(room, _bob);
        Assert.That(content![eventId]!["m.read"]![_alice.UserId]!["thread_id"]!.GetValue<string>(), Is.EqualTo("main"));
    }

    [Test]
    public async Task A_newer_receipt_replaces_the_older_one_of_the_same_thread()
    {
        var (room, first) = await RoomWithEventAsync();
        var second = await _bob.SendMessageAsync(room, "again");
        (await _alice.Client.PostAsync(ReceiptPath(room, "m.read", first), new JsonObject())).Ok();

        (await _alice.Client.PostAsync(ReceiptPath(room, "m.read", second), new JsonObject())).Ok();

        var content = await LatestContentAsync(room, _bob);
        Assert.That(content!.Select(p => p.Key), Is.EqualTo(new[] { second }));
    }

    [Test]
    public async Task Unthreaded_and_main_receipts_for_one_event_both_survive()
    {
        var (room, eventId) = await RoomWithEventAsync();

        (await _alice.Client.PostAsync(ReceiptPath(room, "m.read", eventId), new JsonObject())).Ok();
        (await _alice.Client.PostAsync(ReceiptPath(room, "m.read", eventId), new JsonObject { ["thread_id"] = "main" })).Ok();

        var events = (await Reader.GetLatestAsync([room], _bob.UserId, CancellationToken.None))[room];
        var threads = events.Select(e => e["content"]![eventId]!["m.read"]![_alice.UserId]!["thread_id"]?.GetValue<string>()).ToList();
        Assert.That(threads, Is.EquivalentTo(new string?[] { null, "main" }));
    }

    [Test]
    public async Task Receipts_between_two_positions_are_only_the_new_ones()
    {
        var (room, first) = await RoomWithEventAsync();
        (await _bob.Client.PostAsync(ReceiptPath(room, "m.read", first), new JsonObject())).Ok();
        var from = Reader.Position;

        (await _alice.Client.PostAsync(ReceiptPath(room, "m.read", first), new JsonObject())).Ok();

        var events = (await Reader.GetBetweenAsync([room], from, Reader.Position, _bob.UserId, CancellationToken.None))[room];
        var users = events.Single()["content"]![first]!["m.read"]!.AsObject().Select(p => p.Key);
        Assert.That(users, Is.EqualTo(new[] { _alice.UserId }));
    }

    [Test]
    public async Task The_fully_read_marker_through_the_receipt_endpoint_is_room_account_data_not_a_receipt()
    {
        var (room, eventId) = await RoomWithEventAsync();

        (await _alice.Client.PostAsync(ReceiptPath(room, "m.fully_read", eventId), new JsonObject())).Ok();

        var marker = (await _alice.Client.GetAsync(
            $"/_matrix/client/v3/user/{Uri.EscapeDataString(_alice.UserId)}/rooms/{Uri.EscapeDataString(room)}/account_data/m.fully_read")).Ok();
        Assert.That(marker["event_id"]!.GetValue<string>(), Is.EqualTo(eventId));
        Assert.That(await LatestContentAsync(room, _alice), Is.Null);
    }

    [Test]
    public async Task Read_markers_sets_the_marker_and_both_receipts()
    {
        var (room, eventId) = await RoomWithEventAsync();

        (await _alice.Client.PostAsync(MarkersPath(room), new JsonObject
        {
            ["m.fully_read"] = eventId,
            ["m.read"] = eventId,
            ["m.read.private"] = eventId,
        })).Ok();

        var own = await LatestContentAsync(room, _alice);
        Assert.That(own![eventId]!.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { "m.read", "m.read.private" }));
        var marker = (await _alice.Client.GetAsync(
            $"/_matrix/client/v3/user/{Uri.EscapeDataString(_alice.UserId)}/rooms/{Uri.EscapeDataString(room)}/account_data/m.fully_read")).Ok();
        Assert.That(marker["event_id"]!.GetValue<string>(), Is.EqualTo(eventId));
    }

    [Test]
    public async Task Read_markers_with_a_non_string_event_is_400_M_BAD_JSON()
    {
        var (room, _) = await RoomWithEventAsync();

        var response = await _alice.Client.PostAsync(MarkersPath(room), new JsonObject { ["m.read"] = 5 });

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Read_markers_for_an_event_of_another_room_is_404_and_sets_nothing()
    {
        var (room, _) = await RoomWithEventAsync();
        var (_, elsewhere) = await RoomWithEventAsync();

        var response = await _alice.Client.PostAsync(MarkersPath(room), new JsonObject { ["m.fully_read"] = elsewhere, ["m.read"] = elsewhere });

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
        Assert.That(await LatestContentAsync(room, _alice), Is.Null);
    }

    [TestCase("")]
    [TestCase("not-an-event")]
    public async Task A_bad_thread_id_is_400_M_INVALID_PARAM(string threadId)
    {
        var (room, eventId) = await RoomWithEventAsync();

        var response = await _alice.Client.PostAsync(ReceiptPath(room, "m.read", eventId), new JsonObject { ["thread_id"] = threadId });

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task A_thread_id_that_is_not_a_string_is_400_M_INVALID_PARAM()
    {
        var (room, eventId) = await RoomWithEventAsync();

        var response = await _alice.Client.PostAsync(ReceiptPath(room, "m.read", eventId), new JsonObject { ["thread_id"] = 1 });

        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task A_thread_id_on_the_fully_read_marker_is_400_M_INVALID_PARAM()
    {
        var (room, eventId) = await RoomWithEventAsync();

        var response = await _alice.Client.PostAsync(ReceiptPath(room, "m.fully_read", eventId), new JsonObject { ["thread_id"] = "main" });

        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task An_unknown_receipt_type_is_400_M_INVALID_PARAM()
    {
        var (room, eventId) = await RoomWithEventAsync();

        var response = await _alice.Client.PostAsync(ReceiptPath(room, "m.seen", eventId), new JsonObject());

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task A_malformed_event_ID_is_400_M_INVALID_PARAM()
    {
        var (room, _) = await RoomWithEventAsync();

        var response = await _alice.Client.PostAsync(ReceiptPath(room, "m.read", "no-sigil"), new JsonObject());

        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task A_receipt_for_an_unknown_event_is_404_M_NOT_FOUND()
    {
        var (room, _) = await RoomWithEventAsync();

        var unknown = "$" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var response = await _alice.Client.PostAsync(ReceiptPath(room, "m.read", unknown), new JsonObject());

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task A_receipt_in_a_room_the_user_is_not_joined_to_is_403_M_FORBIDDEN()
    {
        var room = await _bob.CreatePublicRoomAsync();
        var eventId = await _bob.SendMessageAsync(room, "alice is not here");

        var response = await _alice.Client.PostAsync(ReceiptPath(room, "m.read", eventId), new JsonObject());

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [Test]
    public async Task An_event_ID_with_a_slash_is_read_whole()
    {
        // Room version 3 event IDs are standard Base64: about half of them hold a '/'.
        var room = await _alice.CreateRoomAsync(new JsonObject { ["room_version"] = "3" });
        string? eventId = null;
        for (var i = 0; i < 40 && eventId is null; i++)
        {
            var sent = await _alice.SendMessageAsync(room, $"message {i}");
            if (sent.Contains('/'))
                eventId = sent;
        }
        Assert.That(eventId, Is.Not.Null, "no event ID with a '/' in 40 messages");

        (await _alice.Client.PostAsync(ReceiptPath(room, "m.read", eventId!), new JsonObject())).Ok();

        Assert.That((await LatestContentAsync(room, _alice))!.ContainsKey(eventId!), Is.True);
    }
}
