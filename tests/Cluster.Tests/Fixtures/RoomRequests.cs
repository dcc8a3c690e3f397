using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClusterTests.Fixtures;

public static class RoomRequests
{
    public static async Task<string> CreateRoomAsync(this MatrixTestClient creator, JsonObject? body = null) =>
        (await creator.PostAsync("/_matrix/client/v3/createRoom", body ?? new JsonObject())).Ok()["room_id"]!.GetValue<string>();

    public static async Task<string> SendTextAsync(this MatrixTestClient creator, string roomId, string text, string? txnId = null) =>
        (await creator.PutAsync($"/_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId ?? Guid.NewGuid().ToString("N")}",
            new JsonObject { ["msgtype"] = "m.text", ["body"] = text })).Ok()["event_id"]!.GetValue<string>();
}
