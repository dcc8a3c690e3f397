using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;
using Cluster.Shared.Federation.Client;
using Cluster.Workers.StreamWriters.Typing;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// EDUs that a real server B sends to A in <c>/send</c>: typing, read receipts and to-device
/// messages of B's users reach A's users through /sync; EDUs B may not send (for users of
/// another server) and EDUs of a retried transaction do not.
/// </summary>
public class InboundEduTests : TwoServerFixture
{
    private string Bob => UserOfB("bob");

    private async Task<FederationResponse> SendFromBAsync(params JsonObject[] edus) => await SendFromBAsync(FederationTransactions.NewId(), edus);

    private async Task<FederationResponse> SendFromBAsync(string txnId, params JsonObject[] edus)
    {
        var response = await SendTransactionFromBAsync(txnId, FederationTransactions.From(B.ServerName, [], edus));
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        return response;
    }

    private async Task<string> RoomWithAsync(params string[] remoteUsers)
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        foreach (var user in remoteUsers)
            await RemoteMembers.JoinAsync(A, roomId, user, user[(user.IndexOf(':') + 1)..]);
        return roomId;
    }

    private static JsonObject Typing(string roomId, string userId, bool typing) => new()
    {
        ["edu_type"] = "m.typing",
        ["content"] = new JsonObject { ["room_id"] = roomId, ["user_id"] = userId, ["typing"] = typing },
    };

    private static JsonObject Receipt(string roomId, string userId, string eventId) => new()
    {
        ["edu_type"] = "m.receipt",
        ["content"] = new JsonObject
        {
            [roomId] = new JsonObject
            {
                ["m.read"] = new JsonObject
                {
                    [userId] = new JsonObject
                    {
                        ["event_ids"] = new JsonArray(eventId),
                        ["data"] = new JsonObject { ["ts"] = 1_700_000_000_000L },
                    },
                },
            },
        },
    };

    private JsonObject ToDevice(string sender, string messageId, string marker) => new()
    {
        ["edu_type"] = "m.direct_to_device",
        ["content"] = new JsonObject
        {
            ["sender"] = sender,
            ["type"] = "org.example.ping",
            ["message_id"] = messageId,
            ["messages"] = new JsonObject
            {
                [Alice.UserId] = new JsonObject { [Alice.DeviceId] = new JsonObject { ["marker"] = marker } },
            },
        },
    };

    /// <summary>Alice's syncs from <paramref name="since"/> until <paramref name="seen"/> holds, collecting what <paramref name="read"/> finds.</summary>
    private async Task<List<T>> SyncUntilAsync<T>(string since, Func<JsonObject, IEnumerable<T>> read, Func<List<T>, bool> seen)
    {
        var found = new List<T>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!seen(found) && DateTime.UtcNow < deadline)
        {
            var sync = await Alice.SyncAsync(since, timeoutMs: 2000);
            found.AddRange(read(sync));
            since = sync.NextBatch();
        }
        return found;
    }

    private static IEnumerable<IReadOnlyList<string>> TypingSets(JsonObject sync, string roomId) =>
        (sync.JoinedRoom(roomId)?["ephemeral"]?["events"]?.AsArray() ?? [])
            .Where(e => e!["type"]!.GetValue<string>() == "m.typing")
            .Select(e => (IReadOnlyList<string>)[.. e!["content"]!["user_ids"]!.AsArray().Select(u => u!.GetValue<string>())]);

    private static IEnumerable<(string EventId, string UserId)> ReadReceipts(JsonObject sync, string roomId) =>
        (sync.JoinedRoom(roomId)?["ephemeral"]?["events"]?.AsArray() ?? [])
            .Where(e => e!["type"]!.GetValue<string>() == "m.receipt")
            .SelectMany(e => e!["content"]!.AsObject())
            .SelectMany(byEvent => (byEvent.Value?["m.read"]?.AsObject() ?? []).Select(user => (byEvent.Key, user.Key)));

    private static IEnumerable<string> ToDeviceMarkers(JsonObject sync) =>
        (sync["to_device"]?["events"]?.AsArray() ?? [])
            .Where(e => e!["type"]!.GetValue<string>() == "org.example.ping")
            .Select(e => e!["content"]!["marker"]!.GetValue<string>());

    [Test]
    public async Task Typing_of_Bs_user_shows_in_As_users_sync_and_stops_when_B_says_so()
    {
        var roomId = await RoomWithAsync(Bob);
        var since = (await Alice.SyncAsync()).NextBatch();

        await SendFromBAsync(Typing(roomId, Bob, true));
        var started = await SyncUntilAsync(since, s => TypingSets(s, roomId), sets => sets.Any(set => set.Contains(Bob)));
        Assert.That(started, Has.Some.EqualTo(new[] { Bob }));

        since = (await Alice.SyncAsync()).NextBatch();
        await SendFromBAsync(Typing(roomId, Bob, false));
        var stopped = await SyncUntilAsync(since, s => TypingSets(s, roomId), sets => sets.Any(set => set.Count == 0));
        Assert.That(stopped.Last(), Is.Empty);
    }

    [Test]
    public async Task Typing_for_a_user_of_another_server_than_the_origin_is_ignored()
    {
        var carol = "@carol:carol.example.org";
        var roomId = await RoomWithAsync(Bob, carol);
        var since = (await Alice.SyncAsync()).NextBatch();

        // Applied in order: once Bob's typing shows, Carol's (sent first) was dealt with.
        await SendFromBAsync(Typing(roomId, carol, true), Typing(roomId, Bob, true));
        var sets = await SyncUntilAsync(since, s => TypingSets(s, roomId), found => found.Any(set => set.Contains(Bob)));

        Assert.That(sets, Has.Some.Contains(Bob));
        Assert.That(sets.SelectMany(set => set), Has.None.EqualTo(carol));
    }

    [Test]
    public async Task Typing_of_Bs_user_who_is_not_joined_is_ignored()
    {
        var roomId = await RoomWithAsync(Bob);
        var stranger = UserOfB("stranger");
        var since = (await Alice.SyncAsync()).NextBatch();

        await SendFromBAsync(Typing(roomId, stranger, true), Typing(roomId, Bob, true));
        var sets = await SyncUntilAsync(since, s => TypingSets(s, roomId), found => found.Any(set => set.Contains(Bob)));

        Assert.That(sets, Has.Some.Contains(Bob));
        Assert.That(sets.SelectMany(set => set), Has.None.EqualTo(stranger));
    }

    [Test]
    public async Task A_read_receipt_of_Bs_user_shows_in_As_users_sync()
    {
        var roomId = await RoomWithAsync(Bob);
        var message = await Alice.SendMessageAsync(roomId, "read me");
        var since = (await Alice.SyncAsync()).NextBatch();

        await SendFromBAsync(Receipt(roomId, Bob, message));
        var receipts = await SyncUntilAsync(since, s => ReadReceipts(s, roomId), found => found.Count > 0);

        Assert.That(receipts, Does.Contain((message, Bob)));
    }

    [Test]
    public async Task A_read_receipt_for_a_user_of_another_server_or_an_event_not_in_the_room_is_ignored()
    {
        var carol = "@carol:carol.example.org";
        var roomId = await RoomWithAsync(Bob, carol);
        var otherRoom = await Alice.CreatePublicRoomAsync();
        var elsewhere = await Alice.SendMessageAsync(otherRoom, "not in the room");
        var message = await Alice.SendMessageAsync(roomId, "read me");
        var since = (await Alice.SyncAsync()).NextBatch();

        await SendFromBAsync(Receipt(roomId, carol, message), Receipt(roomId, Bob, elsewhere), Receipt(roomId, Bob, message));
        var receipts = await SyncUntilAsync(since, s => ReadReceipts(s, roomId), found => found.Contains((message, Bob)));

        Assert.That(receipts, Does.Contain((message, Bob)));
        Assert.That(receipts.Select(r => r.UserId), Has.None.EqualTo(carol));
        Assert.That(receipts.Select(r => r.EventId), Has.None.EqualTo(elsewhere));
    }

    [Test]
    public async Task A_to_device_message_of_Bs_user_reaches_As_users_device_but_not_one_claimed_for_another_server()
    {
        var since = (await Alice.SyncAsync()).NextBatch();

        await SendFromBAsync(
            ToDevice("@carol:carol.example.org", "m1" + Guid.NewGuid().ToString("N")[..8], "forged"),
            ToDevice(Bob, "m2" + Guid.NewGuid().ToString("N")[..8], "from bob"));
        var markers = await SyncUntilAsync(since, ToDeviceMarkers, found => found.Contains("from bob"));

        Assert.That(markers, Is.EqualTo(new[] { "from bob" }));
    }

    [Test]
    public async Task The_edus_of_a_retried_transaction_are_applied_once()
    {
        var since = (await Alice.SyncAsync()).NextBatch();
        var txnId = FederationTransactions.NewId();

        await SendFromBAsync(txnId, ToDevice(Bob, "first" + Guid.NewGuid().ToString("N")[..8], "first attempt"));
        // A retry is meant to be the same transaction; a new message_id in it shows that nothing of it is applied.
        await SendFromBAsync(txnId, ToDevice(Bob, "again" + Guid.NewGuid().ToString("N")[..8], "retry"));
        await SendFromBAsync(ToDevice(Bob, "next" + Guid.NewGuid().ToString("N")[..8], "next transaction"));
        var markers = await SyncUntilAsync(since, ToDeviceMarkers, found => found.Contains("next transaction"));

        Assert.That(markers, Is.EqualTo(new[] { "first attempt", "next transaction" }));
    }

    [Test]
    public async Task A_to_device_message_sent_again_under_its_message_id_is_delivered_once()
    {
        var since = (await Alice.SyncAsync()).NextBatch();
        var messageId = "dup" + Guid.NewGuid().ToString("N")[..8];

        await SendFromBAsync(ToDevice(Bob, messageId, "once"));
        await SendFromBAsync(ToDevice(Bob, messageId, "once"));
        await SendFromBAsync(ToDevice(Bob, "after" + Guid.NewGuid().ToString("N")[..8], "after"));
        var markers = await SyncUntilAsync(since, ToDeviceMarkers, found => found.Contains("after"));

        Assert.That(markers, Is.EqualTo(new[] { "once", "after" }));
    }

    [Test]
    public async Task A_malformed_edu_does_not_fail_the_transaction_or_the_edus_after_it()
    {
        var roomId = await RoomWithAsync(Bob);
        var since = (await Alice.SyncAsync()).NextBatch();

        await SendFromBAsync(
            new JsonObject { ["edu_type"] = "m.typing", ["content"] = "not an object" },
            new JsonObject { ["edu_type"] = "m.typing", ["content"] = new JsonObject { ["room_id"] = 5 } },
            new JsonObject { ["edu_type"] = "m.receipt", ["content"] = new JsonObject { [roomId] = "nonsense" } },
            new JsonObject { ["edu_type"] = "m.presence", ["content"] = new JsonObject { ["push"] = new JsonArray() } },
            Typing(roomId, Bob, true));
        var sets = await SyncUntilAsync(since, s => TypingSets(s, roomId), found => found.Any(set => set.Contains(Bob)));

        Assert.That(sets, Has.Some.Contains(Bob));
    }
}

/// <summary>
/// The EDUs A's federation sender sends for A's users: typing and public read receipts go to the
/// servers joined to the room (a stand-in that records them); private receipts do not. To-device
/// messages go to their recipients' servers, and wait in the outbox until those answer.
/// </summary>
public class OutboundEduTests : RecordingRemotesFixture
{
    private async Task<(RecordingRemoteServer Remote, string RoomId)> RoomWithRemoteAsync()
    {
        var remote = await RemoteAsync();
        return (remote, await RoomWithAsync(remote));
    }

    private static IEnumerable<JsonObject> EdusOf(RecordingRemoteServer remote, string type) =>
        remote.DeliveredEdus.Where(e => e["edu_type"]?.GetValue<string>() == type).Select(e => e["content"]!.AsObject());

    [Test]
    public async Task A_local_user_typing_reaches_a_joined_remote_server_as_m_typing()
    {
        var (remote, roomId) = await RoomWithRemoteAsync();

        (await Alice.Client.PutAsync($"{RoomTestHelpers.V3}/rooms/{RoomTestHelpers.Path(roomId)}/typing/{Uri.EscapeDataString(Alice.UserId)}",
            new JsonObject { ["typing"] = true, ["timeout"] = 10_000 })).Ok();
        await Eventually.That(() => EdusOf(remote, "m.typing").Any(), Patience);
        (await Alice.Client.PutAsync($"{RoomTestHelpers.V3}/rooms/{RoomTestHelpers.Path(roomId)}/typing/{Uri.EscapeDataString(Alice.UserId)}",
            new JsonObject { ["typing"] = false })).Ok();
        await Eventually.That(() => EdusOf(remote, "m.typing").Count() >= 2, Patience);

        var typing = EdusOf(remote, "m.typing")
            .Select(c => (c["room_id"]?.GetValue<string>(), c["user_id"]?.GetValue<string>(), c["typing"]?.GetValue<bool>(), c.Count))
            .ToList();
        Assert.That(typing, Is.EqualTo(new[] { (roomId, Alice.UserId, true, 3), (roomId, Alice.UserId, false, 3) }));
    }

    [Test]
    public async Task A_local_users_read_receipt_reaches_a_joined_remote_server_as_m_receipt_and_a_private_one_does_not()
    {
        var (remote, roomId) = await RoomWithRemoteAsync();
        var first = await Alice.SendMessageAsync(roomId, "one");
        var second = await Alice.SendMessageAsync(roomId, "two");

        (await Alice.Client.PostAsync($"{RoomTestHelpers.V3}/rooms/{RoomTestHelpers.Path(roomId)}/receipt/m.read.private/{Uri.EscapeDataString(first)}",
            new JsonObject())).Ok();
        (await Alice.Client.PostAsync($"{RoomTestHelpers.V3}/rooms/{RoomTestHelpers.Path(roomId)}/receipt/m.read/{Uri.EscapeDataString(second)}",
            new JsonObject())).Ok();
        await Eventually.That(() => EdusOf(remote, "m.receipt").Any(), Patience);
        await Task.Delay(300);

        var receipts = EdusOf(remote, "m.receipt").ToList();
        Assert.That(receipts, Has.Count.EqualTo(1), string.Join("\n", receipts.Select(r => r.ToJsonString())));
        var read = receipts[0][roomId]?["m.read"]?[Alice.UserId];
        Assert.Multiple(() =>
        {
            Assert.That(receipts[0].Select(r => r.Key), Is.EqualTo(new[] { roomId }));
            Assert.That(receipts[0][roomId]!.AsObject().Select(t => t.Key), Is.EqualTo(new[] { "m.read" }));
            Assert.That(read?["event_ids"]?.AsArray().Select(e => e!.GetValue<string>()), Is.EqualTo(new[] { second }));
            Assert.That(read?["data"]?["ts"]?.GetValue<long>(), Is.GreaterThan(0));
        });
    }

    [Test]
    public async Task Typing_of_a_remote_user_is_not_sent_back_out()
    {
        var (remote, roomId) = await RoomWithRemoteAsync();
        var bob = $"@bob:{remote.ServerName}";

        // What A's /send does with B's m.typing; Alice's typing, written after it, marks when it would have gone out.
        await A.Service<ITypingWriter>().StartTypingAsync(roomId, bob, TimeSpan.FromSeconds(10), CancellationToken.None);
        (await Alice.Client.PutAsync($"{RoomTestHelpers.V3}/rooms/{RoomTestHelpers.Path(roomId)}/typing/{Uri.EscapeDataString(Alice.UserId)}",
            new JsonObject { ["typing"] = true, ["timeout"] = 10_000 })).Ok();
        await Eventually.That(() => EdusOf(remote, "m.typing").Any(), Patience);
        await Task.Delay(300);

        Assert.That(EdusOf(remote, "m.typing").Select(c => c["user_id"]?.GetValue<string>()), Is.EqualTo(new[] { Alice.UserId }));
    }

    private Task<MatrixResponse> SendToDeviceAsync(string txnId, JsonObject messages) =>
        Alice.Client.PutAsync($"{RoomTestHelpers.V3}/sendToDevice/m.test/{txnId}", new JsonObject { ["messages"] = messages });

    private static JsonObject ForDevice(string userId, string deviceId, string marker) =>
        new() { [userId] = new JsonObject { [deviceId] = new JsonObject { ["marker"] = marker } } };

    [Test]
    public async Task A_local_users_to_device_message_reaches_the_recipients_server_as_m_direct_to_device()
    {
        var remote = await RemoteAsync();
        var bob = $"@bob:{remote.ServerName}";

        (await SendToDeviceAsync("td1", ForDevice(bob, "BOBDEVICE", "hello"))).Ok();
        await Eventually.That(() => EdusOf(remote, "m.direct_to_device").Any(), Patience);

        var edu = EdusOf(remote, "m.direct_to_device").Single();
        Assert.Multiple(() =>
        {
            Assert.That(edu["sender"]?.GetValue<string>(), Is.EqualTo(Alice.UserId));
            Assert.That(edu["type"]?.GetValue<string>(), Is.EqualTo("m.test"));
            Assert.That(edu["message_id"]?.GetValue<string>(), Is.Not.Empty);
            Assert.That(edu["messages"]?.ToJsonString(), Is.EqualTo(ForDevice(bob, "BOBDEVICE", "hello").ToJsonString()));
        });
    }

    [Test]
    public async Task A_to_device_message_sent_again_under_the_same_transaction_id_goes_out_once()
    {
        var remote = await RemoteAsync();
        var bob = $"@bob:{remote.ServerName}";

        (await SendToDeviceAsync("same", ForDevice(bob, "D", "once"))).Ok();
        (await SendToDeviceAsync("same", ForDevice(bob, "D", "once"))).Ok();
        (await SendToDeviceAsync("later", ForDevice(bob, "D", "later"))).Ok();
        await Eventually.That(() => EdusOf(remote, "m.direct_to_device").Count() >= 2, Patience);
        await Task.Delay(300);

        Assert.That(EdusOf(remote, "m.direct_to_device").Select(e => e["messages"]![bob]!["D"]!["marker"]!.GetValue<string>()),
            Is.EqualTo(new[] { "once", "later" }));
    }

    [Test]
    public async Task A_to_device_message_for_a_failing_server_is_delivered_once_it_answers_again()
    {
        var remote = await RemoteAsync();
        remote.Behaviour = RecordingRemoteServer.Mode.Fail;
        var bob = $"@bob:{remote.ServerName}";

        (await SendToDeviceAsync("kept", ForDevice(bob, "D", "kept"))).Ok();
        await Eventually.That(() => remote.Refused.Count >= 2, Patience);
        remote.Behaviour = RecordingRemoteServer.Mode.Accept;
        await Eventually.That(() => EdusOf(remote, "m.direct_to_device").Any(), Patience);

        Assert.Multiple(() =>
        {
            Assert.That(remote.Refused.SelectMany(t => t.Edus).Select(e => e["edu_type"]?.GetValue<string>()), Has.All.EqualTo("m.direct_to_device"));
            Assert.That(EdusOf(remote, "m.direct_to_device").Select(e => e["messages"]![bob]!["D"]!["marker"]!.GetValue<string>()),
                Is.EqualTo(new[] { "kept" }));
        });
    }

    [Test]
    public async Task A_to_device_message_for_local_and_remote_users_reaches_both()
    {
        var remote = await RemoteAsync();
        var bob = $"@bob:{remote.ServerName}";
        var since = (await Alice.SyncAsync()).NextBatch();
        var messages = ForDevice(bob, "D", "both");
        messages[Alice.UserId] = new JsonObject { ["*"] = new JsonObject { ["marker"] = "both" } };

        (await SendToDeviceAsync("both", messages)).Ok();
        await Eventually.That(() => EdusOf(remote, "m.direct_to_device").Any(), Patience);
        var sync = await Alice.SyncAsync(since);

        Assert.That(sync["to_device"]?["events"]?.AsArray().Select(e => e!["content"]!["marker"]!.GetValue<string>()), Is.EqualTo(new[] { "both" }));
    }
}
