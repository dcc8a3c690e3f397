using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;

namespace Cluster.ClientApi.Tests.Typing;

/// <summary>Typing as a client sees it through /sync.</summary>
public class TypingSyncTests : HomeserverFixture
{
    private static IReadOnlyList<string>? TypingUsers(JsonObject sync, string roomId) =>
        sync.JoinedRoom(roomId)?["ephemeral"]?["events"]?.AsArray()
            .Where(e => e!["type"]!.GetValue<string>() == "m.typing")
            .Select(e => (IReadOnlyList<string>)[.. e!["content"]!["user_ids"]!.AsArray().Select(u => u!.GetValue<string>())])
            .SingleOrDefault();

    [Test]
    public async Task An_expired_typing_wakes_a_long_poll_with_an_empty_typing_list()
    {
        var alice = await Server.RegisterUserAsync();
        var bob = await Server.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(roomId)).Ok();
        (await alice.Client.PutAsync($"{RoomTestHelpers.V3}/rooms/{RoomTestHelpers.Path(roomId)}/typing/{Uri.EscapeDataString(alice.UserId)}",
            new JsonObject { ["typing"] = true, ["timeout"] = 3000 })).Ok();
        // Bob's sync may be served by another process than the one that took the typing: wait
        // (briefly) for it to arrive there.
        var typing = await bob.SyncAsync();
        for (var i = 0; i < 10 && TypingUsers(typing, roomId) is null; i++)
            typing = await bob.SyncAsync(typing.NextBatch(), timeoutMs: 2000);
        Assert.That(TypingUsers(typing, roomId), Is.EqualTo(new[] { alice.UserId }));

        // Nothing but the expiry can end this long poll early.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var stopped = await bob.SyncAsync(typing.NextBatch(), timeoutMs: 20_000);

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)), "the long poll was not woken by the expiry");
        Assert.That(TypingUsers(stopped, roomId), Is.Empty);
    }
}
