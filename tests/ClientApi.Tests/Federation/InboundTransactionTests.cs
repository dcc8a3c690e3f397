using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Storage.Events;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// <c>PUT /_matrix/federation/v1/send/{txnId}</c> on A, from a real server B: B's PDUs are
/// checked with B's published keys and the auth rules, then reach A's users; bad ones never do.
/// </summary>
public class InboundTransactionTests : TwoServerFixture
{
    private RemoteEventBuilder _fromB = null!;

    private string Bob => UserOfB("bob");

    // Set up after the servers (the base class's set-up runs first), torn down before them.
    [OneTimeSetUp]
    public async Task StartBuildingAsB() => _fromB = new RemoteEventBuilder(B.ServerName, await B.SigningKeyAsync());

    [OneTimeTearDown]
    public void DisposeBuilder()
    {
        _fromB?.Dispose();
    }

    private Task<IReadOnlyDictionary<(string Type, string StateKey), StoredEvent>> StateAsync(string roomId) =>
        A.Service<RoomStateStore>().GetCurrentStateEventsAsync(roomId, null, CancellationToken.None);

    private async Task<StoredEvent?> WaitForEventAsync(string eventId, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        do
        {
            if (await A.Service<EventStore>().GetEventAsync(eventId, CancellationToken.None) is { } stored)
                return stored;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        return null;
    }

    private async Task<(string RoomId, StoredEvent BobJoin)> RoomWithBobAsync()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var latest = await A.Service<EventStore>().GetEventAsync(await Alice.SendMessageAsync(roomId, "hi"), CancellationToken.None);
        var join = _fromB.BuildOn(await StateAsync(roomId), "m.room.member", Bob, new JsonObject { ["membership"] = "join" }, Bob, [latest!]);
        var response = await SendTransactionFromBAsync(TransactionOfB(join));
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        var stored = await WaitForEventAsync(join.EventId);
        Assert.That(stored, Is.Not.Null, "B's join never reached A");
        return (roomId, stored!);
    }

    private RemoteEvent Message(IReadOnlyDictionary<(string Type, string StateKey), StoredEvent> state, StoredEvent prev, string body,
        RemoteEventBuilder? builder = null) =>
        (builder ?? _fromB).BuildOn(state, "m.room.message", Bob, new JsonObject { ["msgtype"] = "m.text", ["body"] = body }, null, [prev]);

    // A message of sender on prev, citing the auth events the state holds for it, whether or not they let it in.
    private RemoteEvent MessageOn(IReadOnlyDictionary<(string Type, string StateKey), StoredEvent> state, RemoteEvent prev, string sender, string body)
    {
        var create = state[("m.room.create", "")];
        var content = new JsonObject { ["msgtype"] = "m.text", ["body"] = body };
        var auth = Cluster.Shared.Auth.AuthEventSelection.Select(create.RoomVersion, "m.room.message", null, sender, content)
            .Where(state.ContainsKey).Select(k => state[k].EventId).ToArray();
        return _fromB.Build(create.RoomVersion, create.RoomId, "m.room.message", sender, content, null, [prev.EventId], auth, prev.Pdu.Depth + 1);
    }

    [Test]
    public async Task A_join_and_a_message_sent_by_B_reach_As_users()
    {
        var (roomId, join) = await RoomWithBobAsync();
        var message = Message(await StateAsync(roomId), join, "hello from B");
        var response = await SendTransactionFromBAsync(TransactionOfB(message));
        Assert.That(response.Body?["pdus"]?[message.EventId]?.AsObject().Count, Is.EqualTo(0), response.Body?.ToJsonString());

        var stored = await WaitForEventAsync(message.EventId);
        Assert.That(stored?.IsInTimeline, Is.True);
        var page = (await Alice.Client.GetAsync($"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/messages?dir=b&limit=5")).Ok();
        Assert.That(page["chunk"]!.AsArray().Select(e => e!["event_id"].Str()), Does.Contain(message.EventId));
    }

    [Test]
    public async Task A_pdu_signed_with_a_key_B_never_published_is_dropped()
    {
        var (roomId, join) = await RoomWithBobAsync();
        using var impostor = new RemoteEventBuilder(B.ServerName);
        var forged = Message(await StateAsync(roomId), join, "forged", impostor);
        var marker = Message(await StateAsync(roomId), join, "after the forgery");
        Assert.That((await SendTransactionFromBAsync(TransactionOfB(forged, marker))).Status, Is.EqualTo(200));

        Assert.That(await WaitForEventAsync(marker.EventId), Is.Not.Null, "the valid PDU after the forged one was not processed");
        Assert.That(await A.Service<EventStore>().GetEventAsync(forged.EventId, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task A_message_from_a_user_who_never_joined_is_rejected_and_not_served()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var latest = await A.Service<EventStore>().GetEventAsync(await Alice.SendMessageAsync(roomId, "hi"), CancellationToken.None);
        var intruder = Message(await StateAsync(roomId), latest!, "not a member");
        await SendTransactionFromBAsync(TransactionOfB(intruder));

        var stored = await WaitForEventAsync(intruder.EventId);
        Assert.That(stored?.RejectionReason, Is.Not.Null);
        (await Alice.GetEventAsync(roomId, intruder.EventId)).ExpectError(System.Net.HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task A_rejected_pdu_amid_a_transaction_leaves_the_pdus_around_it_accepted_in_order()
    {
        var (roomId, join) = await RoomWithBobAsync();
        var state = await StateAsync(roomId);
        var first = Message(state, join, "first");
        var intruder = MessageOn(state, first, $"@mallory:{B.ServerName}", "not a member");
        var second = MessageOn(state, first, Bob, "second");
        var third = MessageOn(state, second, Bob, "third");
        Assert.That((await SendTransactionFromBAsync(TransactionOfB(first, intruder, second, third))).Status, Is.EqualTo(200));

        Assert.That(await WaitForEventAsync(third.EventId), Is.Not.Null, "the PDUs after the rejected one were not processed");
        var stored = await A.Service<EventStore>().GetEventsAsync([first.EventId, intruder.EventId, second.EventId, third.EventId], CancellationToken.None);
        Assert.That(stored[intruder.EventId].RejectionReason, Is.Not.Null);
        var accepted = new[] { first, second, third }.Select(e => stored[e.EventId]).ToList();
        Assert.That(accepted.Select(e => e.IsInTimeline), Is.All.True);
        Assert.That(accepted.Select(e => e.StreamOrdering), Is.Ordered.Ascending);
        var page = (await Alice.Client.GetAsync($"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/messages?dir=b&limit=3")).Ok();
        Assert.That(page["chunk"]!.AsArray().Select(e => e!["event_id"].Str()), Is.EqualTo(new[] { third.EventId, second.EventId, first.EventId }));
    }

    [Test]
    public async Task A_transaction_of_more_than_50_pdus_is_400_M_BAD_JSON()
    {
        var transaction = TransactionOfB();
        for (var i = 0; i < 51; i++)
            transaction["pdus"]!.AsArray().Add(new JsonObject { ["room_id"] = "!nowhere:example.org" });
        var response = await SendTransactionFromBAsync(transaction);
        ExpectError(response, 400, "M_BAD_JSON");
    }

    [Test]
    public async Task A_transaction_claiming_another_origin_is_403_M_FORBIDDEN()
    {
        var transaction = TransactionOfB();
        transaction["origin"] = "someone.else";
        var response = await SendTransactionFromBAsync(transaction);
        ExpectError(response, 403, "M_FORBIDDEN");
    }

    [Test]
    public async Task Pdus_that_are_not_events_of_a_known_room_are_answered_and_ignored()
    {
        var transaction = TransactionOfB();
        transaction["pdus"] = new JsonArray(1, "text", new JsonArray(), new JsonObject { ["room_id"] = 5 },
            new JsonObject { ["room_id"] = "!unknown:example.org", ["type"] = "m.room.message" });
        var response = await SendTransactionFromBAsync(transaction);
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        Assert.That(response.Body?["pdus"]?.AsObject().Count, Is.EqualTo(0));
    }

    [Test]
    public async Task A_retried_transaction_is_answered_again()
    {
        var (roomId, join) = await RoomWithBobAsync();
        var message = Message(await StateAsync(roomId), join, "retried");
        var txnId = FederationTransactions.NewId();
        var first = await SendTransactionFromBAsync(txnId, TransactionOfB(message));
        var second = await SendTransactionFromBAsync(txnId, TransactionOfB(message));
        Assert.That((first.Status, second.Status), Is.EqualTo((200, 200)));
        Assert.That(await WaitForEventAsync(message.EventId), Is.Not.Null);
    }
}
