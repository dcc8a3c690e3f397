using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;

namespace Cluster.ClientApi.Tests.Receipts;

/// <summary>Receipts as room members see them through /sync.</summary>
public class ReceiptSyncTests : HomeserverFixture
{
    private static JsonObject? Receipts(JsonObject sync, string roomId) =>
        sync.JoinedRoom(roomId)?["ephemeral"]?["events"]?.AsArray()
            .Select(e => e!.AsObject())
            .SingleOrDefault(e => e["type"]!.GetValue<string>() == "m.receipt")?["content"]?.AsObject();

    [Test]
    public async Task A_public_receipt_reaches_other_members_and_a_private_one_only_its_sender()
    {
        var alice = await Server.RegisterUserAsync();
        var bob = await Server.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(roomId)).Ok();
        var first = await alice.SendMessageAsync(roomId, "one");
        var second = await alice.SendMessageAsync(roomId, "two");
        var aliceSince = (await alice.SyncAsync()).NextBatch();
        var bobSince = (await bob.SyncAsync()).NextBatch();

        (await bob.Client.PostAsync($"{RoomTestHelpers.V3}/rooms/{RoomTestHelpers.Path(roomId)}/receipt/m.read/{Uri.EscapeDataString(first)}", new JsonObject())).Ok();
        (await bob.Client.PostAsync($"{RoomTestHelpers.V3}/rooms/{RoomTestHelpers.Path(roomId)}/receipt/m.read.private/{Uri.EscapeDataString(second)}", new JsonObject())).Ok();

        var seenByAlice = Receipts(await alice.SyncAsync(aliceSince), roomId);
        var seenByBob = Receipts(await bob.SyncAsync(bobSince), roomId);
        Assert.That(seenByAlice?[first]?["m.read"]?[bob.UserId], Is.Not.Null);
        Assert.That(seenByAlice?.ContainsKey(second), Is.False, "alice must not see bob's private receipt");
        Assert.That(seenByBob?[second]?["m.read.private"]?[bob.UserId], Is.Not.Null);
    }
}
