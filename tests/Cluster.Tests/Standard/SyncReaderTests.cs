using System.Text.Json.Nodes;
using Cluster.ClusterTests.Fixtures;

namespace Cluster.ClusterTests.Standard;

/// <summary>The sync reader alone in its process: filters stored elsewhere, unread counts from push rules.</summary>
public sealed class SyncReaderTests : StandardClusterTest
{
    [Test]
    public async Task A_filter_stored_on_the_client_reader_applies_to_sync_on_the_sync_reader()
    {
        var alice = await Cluster.RegisterUserAsync();
        using var creator = Cluster.Client(Creator, alice);
        using var reader = Cluster.Client(ClientReader, alice);
        using var sync = Cluster.Client(SyncReader, alice);
        var room = await creator.CreateRoomAsync();
        await creator.SendTextAsync(room, "one");
        var last = await creator.SendTextAsync(room, "two");
        var filter = (await reader.PostAsync($"/_matrix/client/v3/user/{alice.UserId}/filter",
            new JsonObject { ["room"] = new JsonObject { ["timeline"] = new JsonObject { ["limit"] = 1 } } })).Ok()["filter_id"]!.GetValue<string>();

        var body = await sync.SyncUntilAsync("", s => s.Timeline(room).HasEvent(last), extraQuery: $"&filter={filter}");

        Assert.That(body.Timeline(room).Select(e => e?["event_id"]?.GetValue<string>()), Is.EqualTo(new[] { last }));
    }

    [Test]
    public async Task Another_members_message_counts_as_a_notification_on_the_sync_reader()
    {
        var alice = await Cluster.RegisterUserAsync();
        var bob = await Cluster.RegisterUserAsync();
        using var aliceCreator = Cluster.Client(Creator, alice);
        using var bobCreator = Cluster.Client(Creator, bob);
        using var bobSync = Cluster.Client(SyncReader, bob);
        var room = await aliceCreator.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
        (await bobCreator.PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString(room)}", new JsonObject())).Ok();
        var since = await bobSync.SyncTokenAsync();

        var message = await aliceCreator.SendTextAsync(room, "ping");

        var body = await bobSync.SyncUntilAsync(since, s => s.Timeline(room).HasEvent(message));
        Assert.That(body["rooms"]!["join"]![room]!["unread_notifications"]?["notification_count"]?.GetValue<int>(), Is.EqualTo(1));
    }
}
