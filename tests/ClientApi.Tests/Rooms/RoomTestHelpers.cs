using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>Room requests tests make again and again, failing the test on an unexpected answer.</summary>
public static class RoomTestHelpers
{
    public const string V3 = "/_matrix/client/v3";

    public static async Task<string> CreateRoomAsync(this TestUser user, JsonObject? body = null)
    {
        var response = await user.Client.PostAsync($"{V3}/createRoom", body ?? new JsonObject());
        return response.Ok()["room_id"]!.GetValue<string>();
    }

    public static Task<string> CreatePublicRoomAsync(this TestUser user) =>
        user.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });

    public static string Path(string roomId) => Uri.EscapeDataString(roomId);

    public static Task<MatrixResponse> JoinAsync(this TestUser user, string roomIdOrAlias) =>
        user.Client.PostAsync($"{V3}/join/{Uri.EscapeDataString(roomIdOrAlias)}", new JsonObject());

    public static Task<MatrixResponse> LeaveAsync(this TestUser user, string roomId) =>
        user.Client.PostAsync($"{V3}/rooms/{Path(roomId)}/leave", new JsonObject());

    public static Task<MatrixResponse> InviteAsync(this TestUser user, string roomId, string invitee) =>
        user.Client.PostAsync($"{V3}/rooms/{Path(roomId)}/invite", new JsonObject { ["user_id"] = invitee });

    public static Task<MatrixResponse> MembershipActionAsync(this TestUser user, string roomId, string action, string target, string? reason = null)
    {
        var body = new JsonObject { ["user_id"] = target };
        if (reason is not null)
            body["reason"] = reason;
        return user.Client.PostAsync($"{V3}/rooms/{Path(roomId)}/{action}", body);
    }

    public static Task<MatrixResponse> SendAsync(this TestUser user, string roomId, string body, string? txnId = null, string type = "m.room.message") =>
        user.Client.PutAsync($"{V3}/rooms/{Path(roomId)}/send/{type}/{txnId ?? Guid.NewGuid().ToString("N")}",
            new JsonObject { ["msgtype"] = "m.text", ["body"] = body });

    public static async Task<string> SendMessageAsync(this TestUser user, string roomId, string body) =>
        (await user.SendAsync(roomId, body)).Ok()["event_id"]!.GetValue<string>();

    public static Task<MatrixResponse> PutStateAsync(this TestUser user, string roomId, string type, string stateKey, JsonObject content) =>
        user.Client.PutAsync($"{V3}/rooms/{Path(roomId)}/state/{type}/{Uri.EscapeDataString(stateKey)}", content);

    public static Task<MatrixResponse> GetStateAsync(this TestUser user, string roomId, string type, string stateKey = "") =>
        user.Client.GetAsync($"{V3}/rooms/{Path(roomId)}/state/{type}/{Uri.EscapeDataString(stateKey)}");

    public static Task<MatrixResponse> GetEventAsync(this TestUser user, string roomId, string eventId) =>
        user.Client.GetAsync($"{V3}/rooms/{Path(roomId)}/event/{Uri.EscapeDataString(eventId)}");

    public static async Task<JsonArray> GetFullStateAsync(this TestUser user, string roomId)
    {
        var response = await user.Client.GetAsync($"{V3}/rooms/{Path(roomId)}/state");
        response.Expect(HttpStatusCode.OK);
        return response.Body!.AsArray();
    }

    public static void ExpectError(this MatrixResponse response, HttpStatusCode status, string errcode)
    {
        response.Expect(status);
        Assert.That(response.ErrCode, Is.EqualTo(errcode), response.Body?.ToJsonString());
    }

    public static string Str(this JsonNode? node) => node?.GetValue<string>() ?? throw new AssertionException("Expected a string, found nothing.");
}
