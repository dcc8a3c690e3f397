using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;

namespace Cluster.ClientApi.Tests.AccountData;

/// <summary>Account data, read markers and push rule changes as /sync delivers them.</summary>
public class AccountDataSyncTests : HomeserverFixture
{
    private static IReadOnlyList<JsonObject> Events(JsonNode? section) =>
        [.. (section?["events"]?.AsArray() ?? []).Select(e => e!.AsObject())];

    [Test]
    public async Task Global_account_data_wakes_the_users_long_poll()
    {
        var alice = await Server.RegisterUserAsync();
        var since = (await alice.SyncAsync()).NextBatch();
        var put = Task.Run(async () =>
        {
            await Task.Delay(300);
            (await alice.Client.PutAsync($"/_matrix/client/v3/user/{Uri.EscapeDataString(alice.UserId)}/account_data/org.example.colour",
                new JsonObject { ["colour"] = "green" })).Ok();
        });

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var sync = await alice.SyncAsync(since, timeoutMs: 20_000);
        await put;

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)), "the long poll was not woken");
        var entry = Events(sync["account_data"]).Single(e => e["type"]!.GetValue<string>() == "org.example.colour");
        Assert.That(entry["content"]!["colour"]!.GetValue<string>(), Is.EqualTo("green"));
    }

    [Test]
    public async Task The_read_marker_is_delivered_as_room_account_data()
    {
        var alice = await Server.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();
        var eventId = await alice.SendMessageAsync(roomId, "read me");
        var since = (await alice.SyncAsync()).NextBatch();

        (await alice.Client.PostAsync($"{RoomTestHelpers.V3}/rooms/{RoomTestHelpers.Path(roomId)}/read_markers",
            new JsonObject { ["m.fully_read"] = eventId })).Ok();
        var sync = await alice.SyncAsync(since);

        var marker = Events(sync.JoinedRoom(roomId)?["account_data"]).Single(e => e["type"]!.GetValue<string>() == "m.fully_read");
        Assert.That(marker["content"]!["event_id"]!.GetValue<string>(), Is.EqualTo(eventId));
    }

    [Test]
    public async Task A_push_rule_change_sends_the_new_ruleset()
    {
        var alice = await Server.RegisterUserAsync();
        var since = (await alice.SyncAsync()).NextBatch();

        (await alice.Client.PutAsync("/_matrix/client/v3/pushrules/global/override/.m.rule.master/enabled", new JsonObject { ["enabled"] = true })).Ok();
        var sync = await alice.SyncAsync(since);

        var rules = Events(sync["account_data"]).Single(e => e["type"]!.GetValue<string>() == "m.push_rules");
        Assert.That(rules["content"]!["global"]!["override"]![0]!["enabled"]!.GetValue<bool>(), Is.True);
    }
}
