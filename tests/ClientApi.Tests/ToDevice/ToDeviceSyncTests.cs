using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Sync;

namespace Cluster.ClientApi.Tests.ToDevice;

/// <summary>To-device messages as the recipient device sees them through /sync.</summary>
public class ToDeviceSyncTests : HomeserverFixture
{
    private static IReadOnlyList<JsonObject> ToDevice(JsonObject sync) =>
        [.. (sync["to_device"]?["events"]?.AsArray() ?? []).Select(e => e!.AsObject())];

    [Test]
    public async Task A_message_arrives_once_and_is_gone_after_the_next_sync()
    {
        var alice = await Server.RegisterUserAsync();
        var bob = await Server.RegisterUserAsync();
        var since = (await bob.SyncAsync()).NextBatch();

        (await alice.Client.PutAsync("/_matrix/client/v3/sendToDevice/m.test/t1", new JsonObject
        {
            ["messages"] = new JsonObject { [bob.UserId] = new JsonObject { ["*"] = new JsonObject { ["secret"] = 42 } } },
        })).Ok();
        var first = await bob.SyncAsync(since, timeoutMs: 5000);
        var second = await bob.SyncAsync(first.NextBatch());
        var fromScratch = await bob.SyncAsync();

        var message = ToDevice(first).Single();
        Assert.That((message["sender"]!.GetValue<string>(), message["type"]!.GetValue<string>(), message["content"]!["secret"]!.GetValue<int>()),
            Is.EqualTo((alice.UserId, "m.test", 42)));
        Assert.That(ToDevice(second), Is.Empty);
        Assert.That(ToDevice(fromScratch), Is.Empty, "acknowledged messages are deleted, not only skipped");
    }
}
