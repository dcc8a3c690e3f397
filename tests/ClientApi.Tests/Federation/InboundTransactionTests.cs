using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// <c>PUT /_matrix/federation/v1/send/{txnId}</c> on A, from a real server B: B's PDUs are
/// checked with B's published keys and the auth rules, then reach A's users; bad ones never do.
/// </summary>
public class InboundTransactionTests
{
    private Homeserver _a = null!;
    private Homeserver _b = null!;
    private TestUser _alice = null!;
    private RemoteEventBuilder _fromB = null!;
    private string _bob = null!;

    [OneTimeSetUp]
    public async Task StartServers()
    {
        _a = await FederatedServers.StartAsync();
        _b = await FederatedServers.StartAsync();
        _alice = await _a.RegisterUserAsync();
        _bob = $"@bob:{_b.ServerName}";
        var key = await _b.Services.GetRequiredService<ServerSigningKeyProvider>().GetAsync(CancellationToken.None);
        _fromB = new RemoteEventBuilder(_b.ServerName, key);
    }

    [OneTimeTearDown]
    public async Task StopServers()
    {
        _fromB?.Dispose();
        if (_a is not null) await _a.DisposeAsync();
        if (_b is not null) await _b.DisposeAsync();
    }

    private Task<FederationResponse> SendFromBAsync(string txnId, JsonObject transaction) =>
        _b.Services.GetRequiredService<FederationClient>().SendAsync(ServerName.Parse(_a.ServerName), HttpMethod.Put,
            $"/_matrix/federation/v1/send/{txnId}", transaction, CancellationToken.None);

    private JsonObject Transaction(params RemoteEvent[] pdus) => new()
    {
        ["origin"] = _b.ServerName,
        ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        ["pdus"] = new JsonArray([.. pdus.Select(p => (JsonNode?)p.Pdu.Json.DeepClone())]),
    };

    private Task<IReadOnlyDictionary<(string Type, string StateKey), StoredEvent>> StateAsync(string roomId) =>
        _a.Service<RoomStateStore>().GetCurrentStateEventsAsync(roomId, null, CancellationToken.None);

    private async Task<StoredEvent?> WaitForEventAsync(string eventId, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        do
        {
            if (await _a.Service<EventStore>().GetEventAsync(eventId, CancellationToken.None) is { } stored)
                return stored;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        return null;
    }

    private async Task<(string RoomId, StoredEvent BobJoin)> RoomWithBobAsync()
    {
        var roomId = await _alice.CreatePublicRoomAsync();
        var latest = await _a.Service<EventStore>().GetEventAsync(await _alice.SendMessageAsync(roomId, "hi"), CancellationToken.None);
        var join = _fromB.BuildOn(await StateAsync(roomId), "m.room.member", _bob, new JsonObject { ["membership"] = "join" }, _bob, [latest!]);
        var response = await SendFromBAsync(NewTxnId(), Transaction(join));
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        var stored = await WaitForEventAsync(join.EventId);
        Assert.That(stored, Is.Not.Null, "B's join never reached A");
        return (roomId, stored!);
    }

    private RemoteEvent Message(IReadOnlyDictionary<(string Type, string StateKey), StoredEvent> state, StoredEvent prev, string body,
        RemoteEventBuilder? builder = null) =>
        (builder ?? _fromB).BuildOn(state, "m.room.message", _bob, new JsonObject { ["msgtype"] = "m.text", ["body"] = body }, null, [prev]);

    // A message of sender on prev, citing the auth events the state holds for it, whether or not they let it in.
    private RemoteEvent MessageOn(IReadOnlyDictionary<(string Type, string StateKey), StoredEvent> state, RemoteEvent prev, string sender, string body)
    {
        var create = state[("m.room.create", "")];
        var content = new JsonObject { ["msgtype"] = "m.text", ["body"] = body };
        var auth = Cluster.Shared.Auth.AuthEventSelection.Select(create.RoomVersion, "m.room.message", null, sender, content)
            .Where(state.ContainsKey).Select(k => state[k].EventId).ToArray();
        return _fromB.Build(create.RoomVersion, create.RoomId, "m.room.message", sender, content, null, [prev.EventId], auth, prev.Pdu.Depth + 1);
    }

    private static string NewTxnId() => "txn" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task A_join_and_a_message_sent_by_B_reach_As_users()
    {
        var (roomId, join) = await RoomWithBobAsync();
        var message = Message(await StateAsync(roomId), join, "hello from B");
        var response = await SendFromBAsync(NewTxnId(), Transaction(message));
        Assert.That(response.Body?["pdus"]?[message.EventId]?.AsObject().Count, Is.EqualTo(0), response.Body?.ToJsonString());

        var stored = await WaitForEventAsync(message.EventId);
        Assert.That(stored?.IsInTimeline, Is.True);
        var page = (await _alice.Client.GetAsync($"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/messages?dir=b&limit=5")).Ok();
        Assert.That(page["chunk"]!.AsArray().Select(e => e!["event_id"].Str()), Does.Contain(message.EventId));
    }

    [Test]
    public async Task A_pdu_signed_with_a_key_B_never_published_is_dropped()
    {
        var (roomId, join) = await RoomWithBobAsync();
        using var impostor = new RemoteEventBuilder(_b.ServerName);
        var forged = Message(await StateAsync(roomId), join, "forged", impostor);
        var marker = Message(await StateAsync(roomId), join, "after the forgery");
        Assert.That((await SendFromBAsync(NewTxnId(), Transaction(forged, marker))).Status, Is.EqualTo(200));

        Assert.That(await WaitForEventAsync(marker.EventId), Is.Not.Null, "the valid PDU after the forged one was not processed");
        Assert.That(await _a.Service<EventStore>().GetEventAsync(forged.EventId, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task A_message_from_a_user_who_never_joined_is_rejected_and_not_served()
    {
        var roomId = await _alice.CreatePublicRoomAsync();
        var latest = await _a.Service<EventStore>().GetEventAsync(await _alice.SendMessageAsync(roomId, "hi"), CancellationToken.None);
        var intruder = Message(await StateAsync(roomId), latest!, "not a member");
        await SendFromBAsync(NewTxnId(), Transaction(intruder));

        var stored = await WaitForEventAsync(intruder.EventId);
        Assert.That(stored?.RejectionReason, Is.Not.Null);
        (await _alice.GetEventAsync(roomId, intruder.EventId)).ExpectError(System.Net.HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task A_rejected_pdu_amid_a_transaction_leaves_the_pdus_around_it_accepted_in_order()
    {
        var (roomId, join) = await RoomWithBobAsync();
        var state = await StateAsync(roomId);
        var first = Message(state, join, "first");
        var intruder = MessageOn(state, first, $"@mallory:{_b.ServerName}", "not a member");
        var second = MessageOn(state, first, _bob, "second");
        var third = MessageOn(state, second, _bob, "third");
        Assert.That((await SendFromBAsync(NewTxnId(), Transaction(first, intruder, second, third))).Status, Is.EqualTo(200));

        Assert.That(await WaitForEventAsync(third.EventId), Is.Not.Null, "the PDUs after the rejected one were not processed");
        var stored = await _a.Service<EventStore>().GetEventsAsync([first.EventId, intruder.EventId, second.EventId, third.EventId], CancellationToken.None);
        Assert.That(stored[intruder.EventId].RejectionReason, Is.Not.Null);
        var accepted = new[] { first, second, third }.Select(e => stored[e.EventId]).ToList();
        Assert.That(accepted.Select(e => e.IsInTimeline), Is.All.True);
        Assert.That(accepted.Select(e => e.StreamOrdering), Is.Ordered.Ascending);
        var page = (await _alice.Client.GetAsync($"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/messages?dir=b&limit=3")).Ok();
        Assert.That(page["chunk"]!.AsArray().Select(e => e!["event_id"].Str()), Is.EqualTo(new[] { third.EventId, second.EventId, first.EventId }));
    }

    [Test]
    public async Task A_transaction_of_more_than_50_pdus_is_400_M_BAD_JSON()
    {
        var transaction = Transaction();
        for (var i = 0; i < 51; i++)
            transaction["pdus"]!.AsArray().Add(new JsonObject { ["room_id"] = "!nowhere:example.org" });
        var response = await SendFromBAsync(NewTxnId(), transaction);
        Assert.That((response.Status, response.Body?["errcode"]?.GetValue<string>()), Is.EqualTo((400, "M_BAD_JSON")));
    }

    [Test]
    public async Task A_transaction_claiming_another_origin_is_403_M_FORBIDDEN()
    {
        var transaction = Transaction();
        transaction["origin"] = "someone.else";
        var response = await SendFromBAsync(NewTxnId(), transaction);
        Assert.That((response.Status, response.Body?["errcode"]?.GetValue<string>()), Is.EqualTo((403, "M_FORBIDDEN")));
    }

    [Test]
    public async Task Pdus_that_are_not_events_of_a_known_room_are_answered_and_ignored()
    {
        var transaction = Transaction();
        transaction["pdus"] = new JsonArray(1, "text", new JsonArray(), new JsonObject { ["room_id"] = 5 },
            new JsonObject { ["room_id"] = "!unknown:example.org", ["type"] = "m.room.message" });
        var response = await SendFromBAsync(NewTxnId(), transaction);
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        Assert.That(response.Body?["pdus"]?.AsObject().Count, Is.EqualTo(0));
    }

    [Test]
    public async Task A_retried_transaction_is_answered_again()
    {
        var (roomId, join) = await RoomWithBobAsync();
        var message = Message(await StateAsync(roomId), join, "retried");
        var txnId = NewTxnId();
        var first = await SendFromBAsync(txnId, Transaction(message));
        var second = await SendFromBAsync(txnId, Transaction(message));
        Assert.That((first.Status, second.Status), Is.EqualTo((200, 200)));
        Assert.That(await WaitForEventAsync(message.EventId), Is.Not.Null);
    }
}
