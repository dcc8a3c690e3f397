using System.Text.Json.Nodes;
using Cluster.ClusterTests.Fixtures;

namespace Cluster.ClusterTests.Standard;

/// <summary>The stream writer alone in its process: what it writes reaches /sync on the sync reader.</summary>
public sealed class StreamWriterTests : StandardClusterTest
{
    [Test]
    public async Task Typing_on_the_stream_writer_reaches_sync_on_the_sync_reader()
    {
        var alice = await Cluster.RegisterUserAsync();
        using var creator = Cluster.Client(Creator, alice);
        using var writer = Cluster.Client(StreamWriter, alice);
        using var sync = Cluster.Client(SyncReader, alice);
        var room = await creator.CreateRoomAsync();
        var since = await sync.SyncTokenAsync();

        (await writer.PutAsync($"/_matrix/client/v3/rooms/{room}/typing/{alice.UserId}",
            new JsonObject { ["typing"] = true, ["timeout"] = 30000 })).Ok();

        await sync.SyncUntilAsync(since, s => (s["rooms"]?["join"]?[room]?["ephemeral"]?["events"] as JsonArray ?? [])
            .Any(e => e?["type"]?.GetValue<string>() == "m.typing"
                && (e["content"]?["user_ids"] as JsonArray ?? []).Any(u => u?.GetValue<string>() == alice.UserId)));
    }

    [Test]
    public async Task A_receipt_on_the_stream_writer_reaches_sync_on_the_sync_reader()
    {
        var alice = await Cluster.RegisterUserAsync();
        using var creator = Cluster.Client(Creator, alice);
        using var writer = Cluster.Client(StreamWriter, alice);
        using var sync = Cluster.Client(SyncReader, alice);
        var room = await creator.CreateRoomAsync();
        var message = await creator.SendTextAsync(room, "read me");
        var since = await sync.SyncTokenAsync();

        (await writer.PostAsync($"/_matrix/client/v3/rooms/{room}/receipt/m.read/{Uri.EscapeDataString(message)}", new JsonObject())).Ok();

        await sync.SyncUntilAsync(since, s => (s["rooms"]?["join"]?[room]?["ephemeral"]?["events"] as JsonArray ?? [])
            .Any(e => e?["type"]?.GetValue<string>() == "m.receipt" && e["content"]?[message] is not null));
    }

    [Test]
    public async Task Account_data_on_the_stream_writer_reaches_sync_on_the_sync_reader()
    {
        var alice = await Cluster.RegisterUserAsync();
        using var writer = Cluster.Client(StreamWriter, alice);
        using var sync = Cluster.Client(SyncReader, alice);
        var since = await sync.SyncTokenAsync();

        (await writer.PutAsync($"/_matrix/client/v3/user/{alice.UserId}/account_data/org.example.cluster", new JsonObject { ["n"] = 7 })).Ok();

        await sync.SyncUntilAsync(since, s => (s["account_data"]?["events"] as JsonArray ?? [])
            .Any(e => e?["type"]?.GetValue<string>() == "org.example.cluster" && e["content"]?["n"]?.GetValue<int>() == 7));
    }

    [Test]
    public async Task A_to_device_message_on_the_stream_writer_reaches_sync_on_the_sync_reader()
    {
        var alice = await Cluster.RegisterUserAsync();
        var bob = await Cluster.RegisterUserAsync();
        using var writer = Cluster.Client(StreamWriter, alice);
        using var bobSync = Cluster.Client(SyncReader, bob);
        var since = await bobSync.SyncTokenAsync();

        (await writer.PutAsync("/_matrix/client/v3/sendToDevice/org.example.ping/t1", new JsonObject
        {
            ["messages"] = new JsonObject { [bob.UserId] = new JsonObject { [bob.DeviceId] = new JsonObject { ["hello"] = "bob" } } },
        })).Ok();

        await bobSync.SyncUntilAsync(since, s => (s["to_device"]?["events"] as JsonArray ?? [])
            .Any(e => e?["type"]?.GetValue<string>() == "org.example.ping" && e["sender"]?.GetValue<string>() == alice.UserId));
    }

    [Test]
    public async Task A_push_rule_set_on_the_stream_writer_reaches_sync_on_the_sync_reader()
    {
        var alice = await Cluster.RegisterUserAsync();
        using var writer = Cluster.Client(StreamWriter, alice);
        using var sync = Cluster.Client(SyncReader, alice);
        var since = await sync.SyncTokenAsync();

        (await writer.PutAsync("/_matrix/client/v3/pushrules/global/content/cluster-rule",
            new JsonObject { ["pattern"] = "sharding", ["actions"] = new JsonArray("notify") })).Ok();

        await sync.SyncUntilAsync(since, s => (s["account_data"]?["events"] as JsonArray ?? [])
            .Any(e => e?["type"]?.GetValue<string>() == "m.push_rules"
                && (e["content"]?["global"]?["content"] as JsonArray ?? []).Any(r => r?["rule_id"]?.GetValue<string>() == "cluster-rule")));
    }
}
