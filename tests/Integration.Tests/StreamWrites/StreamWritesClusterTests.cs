using System.Net;
using System.Text.Json.Nodes;
using static Cluster.Integration.Tests.StreamWrites.StreamWritesCluster;

namespace Cluster.Integration.Tests.StreamWrites;

/// <summary>
/// Writes to the typing, receipts, account data, to-device and push rules streams taken by an
/// instance that does not write the stream: it sends them to the writer over internal HTTP, and
/// the data reads back through every instance. Writer1 writes typing and receipts, Writer2 the
/// rest; Worker is client reader, event creator, persister and sync reader, and writes none.
/// </summary>
[NonParallelizable]
public class StreamWritesClusterTests
{
    private StreamWritesCluster _cluster = null!;
    private ClusterUser _alice = null!;
    private ClusterUser _bob = null!;
    private string _roomId = null!;

    private string RoomPath => Uri.EscapeDataString(_roomId);

    [OneTimeSetUp]
    public async Task Start()
    {
        _cluster = await StreamWritesCluster.StartAsync();
        _alice = await ClusterUser.RegisterAsync(_cluster, Worker);
        _bob = await ClusterUser.RegisterAsync(_cluster, Worker);
        using var alice = _alice.On(Worker);
        _roomId = (await alice.PostAsync(MatrixClient.V3 + "/createRoom", new JsonObject { ["preset"] = "public_chat" }))
            .Ok()["room_id"]!.GetValue<string>();
        using var bob = _bob.On(Worker);
        (await bob.PostAsync($"{MatrixClient.V3}/rooms/{RoomPath}/join", new JsonObject())).Ok();
    }

    [TearDown]
    public void ReportOutputOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            TestContext.Out.WriteLine(_cluster.Output);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (Environment.GetEnvironmentVariable("STREAMWRITES_PRINT_OUTPUT") is "1")
            TestContext.Progress.WriteLine(_cluster.Output);
        await _cluster.DisposeAsync();
    }

    [Test]
    public async Task Account_data_put_on_a_non_writer_reads_back_through_the_writer_and_the_client_reader()
    {
        using var writer1 = _alice.On(Writer1);
        var path = $"{MatrixClient.V3}/user/{_alice.Path}/account_data/org.example.settings";
        (await writer1.PutAsync(path, new JsonObject { ["theme"] = "dark" })).Ok();

        foreach (var instance in new[] { Writer2, Worker, Writer1 })
        {
            using var client = _alice.On(instance);
            Assert.That((await client.GetAsync(path)).Ok()["theme"]!.GetValue<string>(), Is.EqualTo("dark"), instance);
        }
    }

    [Test]
    public async Task Read_markers_on_the_receipts_writer_store_m_fully_read_through_the_account_data_writer()
    {
        var eventId = await SendMessageAsync(_alice, "read me");
        var since = (await _bob.SyncAsync(Worker))["next_batch"]!.GetValue<string>();
        using var writer1 = _alice.On(Writer1);
        (await writer1.PostAsync($"{MatrixClient.V3}/rooms/{RoomPath}/read_markers",
            new JsonObject { ["m.fully_read"] = eventId, ["m.read"] = eventId })).Ok();

        using var worker = _alice.On(Worker);
        var marker = (await worker.GetAsync($"{MatrixClient.V3}/user/{_alice.Path}/rooms/{RoomPath}/account_data/m.fully_read")).Ok();
        Assert.That(marker["event_id"]!.GetValue<string>(), Is.EqualTo(eventId));
        var (receipt, _) = await EphemeralAsync(_bob, since, "m.receipt", e => e["content"]?[eventId] is not null);
        Assert.That(receipt["content"]![eventId]!["m.read"]?[_alice.UserId], Is.Not.Null, receipt.ToJsonString());
    }

    [Test]
    public async Task A_push_rule_put_through_the_client_reader_reads_back_through_every_instance()
    {
        using var worker = _alice.On(Worker);
        var rule = $"{MatrixClient.V3}/pushrules/global/content/cake";
        (await worker.PutAsync(rule, new JsonObject { ["pattern"] = "cake", ["actions"] = new JsonArray("notify") })).Ok();

        foreach (var instance in new[] { Writer1, Writer2, Worker })
        {
            using var client = _alice.On(instance);
            Assert.That((await client.GetAsync(rule)).Ok()["pattern"]!.GetValue<string>(), Is.EqualTo("cake"), instance);
        }
    }

    [Test]
    public async Task Disabling_a_default_push_rule_on_a_non_writer_reads_back_at_once_elsewhere()
    {
        using var writer1 = _alice.On(Writer1);
        var enabled = $"{MatrixClient.V3}/pushrules/global/override/.m.rule.suppress_notices/enabled";
        (await writer1.PutAsync(enabled, new JsonObject { ["enabled"] = false })).Ok();

        using var worker = _alice.On(Worker);
        Assert.That((await worker.GetAsync(enabled)).Ok()["enabled"]!.GetValue<bool>(), Is.False);
    }

    [Test]
    public async Task Typing_through_a_non_writer_shows_in_sync_on_another_instance()
    {
        var since = (await _bob.SyncAsync(Worker))["next_batch"]!.GetValue<string>();
        using var writer2 = _alice.On(Writer2);
        (await writer2.PutAsync(TypingPath(), new JsonObject { ["typing"] = true, ["timeout"] = 30_000 })).Ok();

        var (typing, _) = await EphemeralAsync(_bob, since, "m.typing", e => TypingUsers(e).Count > 0);

        Assert.That(TypingUsers(typing), Is.EqualTo(new[] { _alice.UserId }));
        using var worker = _alice.On(Worker);
        (await worker.PutAsync(TypingPath(), new JsonObject { ["typing"] = false })).Ok();
    }

    [Test]
    public async Task Typing_started_through_a_non_writer_is_expired_by_the_typing_writer()
    {
        var since = (await _bob.SyncAsync(Worker))["next_batch"]!.GetValue<string>();
        using var worker = _alice.On(Worker);
        (await worker.PutAsync(TypingPath(), new JsonObject { ["typing"] = true, ["timeout"] = 500 })).Ok();
        var (_, next) = await EphemeralAsync(_bob, since, "m.typing", e => TypingUsers(e).Contains(_alice.UserId));

        // Without the writer's stop row the readers would hold the user for 30 s more.
        var (stopped, _) = await EphemeralAsync(_bob, next, "m.typing", e => !TypingUsers(e).Contains(_alice.UserId));

        Assert.That(TypingUsers(stopped), Is.Empty);
    }

    [Test]
    public async Task To_device_through_a_non_writer_reaches_the_recipient_once_per_transaction()
    {
        var since = (await _bob.SyncAsync(Worker))["next_batch"]!.GetValue<string>();
        var body = new JsonObject
        {
            ["messages"] = new JsonObject { [_bob.UserId] = new JsonObject { [_bob.DeviceId] = new JsonObject { ["n"] = 7 } } },
        };
        using var writer1 = _alice.On(Writer1);
        (await writer1.PutAsync($"{MatrixClient.V3}/sendToDevice/org.example.ping/txn-1", body)).Ok();
        using var worker = _alice.On(Worker);
        (await worker.PutAsync($"{MatrixClient.V3}/sendToDevice/org.example.ping/txn-1", body.DeepClone())).Ok();

        var (events, next) = await SyncUntilAsync(_bob, since, sync => sync["to_device"]?["events"]?.AsArray() is { Count: > 0 } found ? found : null);
        var after = await _bob.SyncAsync(Worker, next);

        Assert.That(events.Select(e => e!["content"]!["n"]!.GetValue<int>()), Is.EqualTo(new[] { 7 }), events.ToJsonString());
        Assert.That(events[0]!["sender"]!.GetValue<string>(), Is.EqualTo(_alice.UserId));
        Assert.That(after["to_device"]?["events"]?.AsArray() ?? [], Is.Empty);
    }

    [Test]
    public async Task A_to_device_body_near_the_size_limit_crosses_the_hop_though_it_grows_in_transit()
    {
        var since = (await _bob.SyncAsync(Worker))["next_batch"]!.GetValue<string>();
        // 900 KB of UTF-8 under the 1 MiB limit; JSON-escaped for the internal call it is three times that.
        var text = new string('é', 450_000);
        var body = new JsonObject
        {
            ["messages"] = new JsonObject { [_bob.UserId] = new JsonObject { [_bob.DeviceId] = new JsonObject { ["text"] = text } } },
        };
        using var worker = _alice.On(Worker);
        (await worker.PutAsync($"{MatrixClient.V3}/sendToDevice/org.example.big/txn-big", body)).Ok();

        var (events, _) = await SyncUntilAsync(_bob, since, sync => sync["to_device"]?["events"]?.AsArray() is { Count: > 0 } found ? found : null);

        Assert.That(events[0]!["content"]!["text"]!.GetValue<string>(), Is.EqualTo(text));
    }

    [Test]
    public async Task Deleting_a_missing_push_rule_through_a_non_writer_is_404_M_NOT_FOUND()
    {
        using var worker = _alice.On(Worker);
        var response = await worker.DeleteAsync($"{MatrixClient.V3}/pushrules/global/override/no-such-rule");
        Assert.That((response.Status, response.ErrCode), Is.EqualTo((HttpStatusCode.NotFound, "M_NOT_FOUND")));
    }

    [Test]
    public async Task A_push_rule_placed_before_a_missing_rule_through_a_non_writer_is_400()
    {
        using var writer1 = _alice.On(Writer1);
        var response = await writer1.PutAsync($"{MatrixClient.V3}/pushrules/global/content/pie?before=no-such-rule",
            new JsonObject { ["pattern"] = "pie", ["actions"] = new JsonArray("notify") });
        Assert.That((response.Status, response.ErrCode), Is.EqualTo((HttpStatusCode.BadRequest, "M_UNKNOWN")));
    }

    [Test]
    public async Task Oversized_account_data_through_a_non_writer_is_413_M_TOO_LARGE()
    {
        using var writer1 = _alice.On(Writer1);
        var response = await writer1.PutAsync($"{MatrixClient.V3}/user/{_alice.Path}/account_data/org.example.big",
            new JsonObject { ["blob"] = new string('x', 300 * 1024) });
        Assert.That((response.Status, response.ErrCode), Is.EqualTo((HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE")));
    }

    [Test]
    public async Task To_device_for_a_malformed_user_through_a_non_writer_is_400_M_INVALID_PARAM()
    {
        using var worker = _alice.On(Worker);
        var response = await worker.PutAsync($"{MatrixClient.V3}/sendToDevice/org.example.ping/txn-bad",
            new JsonObject { ["messages"] = new JsonObject { ["not-a-user"] = new JsonObject { ["*"] = new JsonObject() } } });
        Assert.That((response.Status, response.ErrCode), Is.EqualTo((HttpStatusCode.BadRequest, "M_INVALID_PARAM")));
    }

    [Test]
    public async Task Typing_through_a_non_writer_in_a_room_the_user_is_not_in_is_403()
    {
        using var writer2 = _alice.On(Writer2);
        var response = await writer2.PutAsync(
            $"{MatrixClient.V3}/rooms/{Uri.EscapeDataString("!nowhere:" + ServerName)}/typing/{_alice.Path}",
            new JsonObject { ["typing"] = true, ["timeout"] = 1000 });
        Assert.That((response.Status, response.ErrCode), Is.EqualTo((HttpStatusCode.Forbidden, "M_FORBIDDEN")));
    }

    [Test]
    public async Task An_internal_write_sent_to_an_instance_that_does_not_write_the_stream_is_421()
    {
        using var internalClient = new MatrixClient(_cluster.Internal(Writer1));
        var response = await internalClient.SendAsync(HttpMethod.Post, "/_internal/streams/account_data/set",
            new JsonObject { ["user_id"] = _alice.UserId, ["room_id"] = "", ["type"] = "org.example.x", ["content"] = new JsonObject() },
            new Dictionary<string, string> { ["X-Cluster-Secret"] = _cluster.Secret });
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.MisdirectedRequest));
    }

    [Test]
    public async Task An_internal_write_without_the_cluster_secret_is_403()
    {
        using var internalClient = new MatrixClient(_cluster.Internal(Writer2));
        var response = await internalClient.SendAsync(HttpMethod.Post, "/_internal/streams/account_data/set",
            new JsonObject { ["user_id"] = _alice.UserId, ["room_id"] = "", ["type"] = "org.example.x", ["content"] = new JsonObject() });
        Assert.That((response.Status, response.ErrCode), Is.EqualTo((HttpStatusCode.Forbidden, "M_FORBIDDEN")));
    }

    private string TypingPath() => $"{MatrixClient.V3}/rooms/{RoomPath}/typing/{_alice.Path}";

    private async Task<string> SendMessageAsync(ClusterUser user, string text)
    {
        using var client = user.On(Worker);
        return (await client.PutAsync($"{MatrixClient.V3}/rooms/{RoomPath}/send/m.room.message/{Guid.NewGuid():N}",
            new JsonObject { ["msgtype"] = "m.text", ["body"] = text })).Ok()["event_id"]!.GetValue<string>();
    }

    /// <summary>
    /// The first of the room's ephemeral events of <paramref name="type"/> that <paramref name="matches"/>
    /// in the user's syncs from <paramref name="since"/> on the worker, long-polling until one comes (10 s at most).
    /// </summary>
    private async Task<(JsonObject Event, string NextBatch)> EphemeralAsync(
        ClusterUser user, string since, string type, Func<JsonObject, bool> matches)
    {
        var (found, next) = await SyncUntilAsync(user, since, sync => sync["rooms"]?["join"]?[_roomId]?["ephemeral"]?["events"]?.AsArray()
            .Select(e => e!.AsObject()).FirstOrDefault(e => e["type"]!.GetValue<string>() == type && matches(e)));
        return (found, next);
    }

    /// <summary>Long-polls the user's syncs on the worker from <paramref name="since"/> until <paramref name="find"/> finds something (10 s at most).</summary>
    private static async Task<(T Found, string NextBatch)> SyncUntilAsync<T>(ClusterUser user, string since, Func<JsonObject, T?> find)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var sync = await user.SyncAsync(Worker, since, timeoutMs: 10_000);
            since = sync["next_batch"]!.GetValue<string>();
            if (find(sync) is { } found)
                return (found, since);
        }
        throw new AssertionException($"What the test waits for did not reach {user.UserId}'s sync within 10 s.");
    }

    private static IReadOnlyList<string> TypingUsers(JsonObject typing) =>
        [.. typing["content"]!["user_ids"]!.AsArray().Select(u => u!.GetValue<string>())];
}
