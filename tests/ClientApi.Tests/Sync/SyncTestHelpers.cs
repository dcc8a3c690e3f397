using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;

namespace Cluster.ClientApi.Tests.Sync;

internal static class SyncTestHelpers
{
    /// <summary>Alice's public room, which Bob has joined.</summary>
    public static async Task<(TestUser Alice, TestUser Bob, string RoomId)> TwoUsersInARoomAsync(this Homeserver server)
    {
        var alice = await server.RegisterUserAsync();
        var bob = await server.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(roomId)).Ok();
        return (alice, bob, roomId);
    }

    public static async Task<JsonObject> SyncAsync(this TestUser user, string? since = null, int timeoutMs = 0, string? filter = null, bool fullState = false)
    {
        var query = new List<string> { $"timeout={timeoutMs}" };
        if (since is not null) query.Add("since=" + Uri.EscapeDataString(since));
        if (filter is not null) query.Add("filter=" + Uri.EscapeDataString(filter));
        if (fullState) query.Add("full_state=true");
        return (await user.Client.GetAsync("/_matrix/client/v3/sync?" + string.Join('&', query))).Ok();
    }

    public static string NextBatch(this JsonObject sync) => sync["next_batch"]!.GetValue<string>();

    public static JsonObject? JoinedRoom(this JsonObject sync, string roomId) => sync["rooms"]?["join"]?[roomId] as JsonObject;

    public static IReadOnlyList<JsonObject> Timeline(this JsonObject room) =>
        [.. room["timeline"]!["events"]!.AsArray().Select(e => e!.AsObject())];

    public static IReadOnlyList<string> TimelineBodies(this JsonObject room) =>
        [.. room.Timeline().Where(e => e["type"]!.GetValue<string>() == "m.room.message").Select(e => e["content"]!["body"]!.GetValue<string>())];

    public static IReadOnlyList<JsonObject> StateEvents(this JsonObject room) =>
        [.. room["state"]!["events"]!.AsArray().Select(e => e!.AsObject())];
}
