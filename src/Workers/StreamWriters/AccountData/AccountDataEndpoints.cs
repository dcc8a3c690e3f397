using System.Text.Json.Nodes;
using Cluster.Replication.Streams.AccountData;
using Cluster.Replication.Streams.PushRules;
using Cluster.Shared.Http;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.AccountData;

/// <summary>
/// <c>GET/PUT /user/{userId}/account_data/{type}</c> and
/// <c>GET/PUT /user/{userId}/rooms/{roomId}/account_data/{type}</c> (spec: "Client Config").
/// </summary>
internal static class AccountDataEndpoints
{
    public const string FullyRead = "m.fully_read";
    public const string PushRules = "m.push_rules";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapPut("user/{userId}/account_data/{type}", (HttpContext context, string userId, string type, IAccountDataWriter writer) =>
            PutAsync(context, userId, AccountDataRow.Global, type, writer)).RequireAccessToken();
        app.ClientV3().MapGet("user/{userId}/account_data/{type}",
            (HttpContext context, string userId, string type, AccountDataReader reader, PushRulesReader pushRules) =>
                GetAsync(context, userId, AccountDataRow.Global, type, reader, pushRules)).RequireAccessToken();
        app.ClientV3().MapPut("user/{userId}/rooms/{roomId}/account_data/{type}",
            (HttpContext context, string userId, string roomId, string type, IAccountDataWriter writer) =>
                PutAsync(context, userId, roomId, type, writer)).RequireAccessToken();
        app.ClientV3().MapGet("user/{userId}/rooms/{roomId}/account_data/{type}",
            (HttpContext context, string userId, string roomId, string type, AccountDataReader reader, PushRulesReader pushRules) =>
                GetAsync(context, userId, roomId, type, reader, pushRules)).RequireAccessToken();
    }

    private static async Task<IResult> PutAsync(HttpContext context, string userId, string roomId, string type, IAccountDataWriter writer)
    {
        var user = RequestIds.RequireSelf(context, userId, "add account data");
        var room = roomId.Length == 0 ? roomId : RequestIds.Room(roomId).ToString();
        type = RequestIds.Opaque(type, "account data type");
        // "Servers MUST reject setting account data for event types that the server manages by
        // using a 405 error response" (errcode M_BAD_JSON).
        if (type is FullyRead or PushRules)
            throw new MatrixException(StatusCodes.Status405MethodNotAllowed, ErrCodes.BadJson,
                $"Cannot set {type} through this API.");
        var content = await RequestBody.ReadObjectAsync(context);
        await writer.SetAsync(user.ToString(), room, type, content, context.RequestAborted);
        return Results.Json(new JsonObject());
    }

    private static async Task<IResult> GetAsync(
        HttpContext context, string userId, string roomId, string type, AccountDataReader reader, PushRulesReader pushRules)
    {
        var ct = context.RequestAborted;
        var user = RequestIds.RequireSelf(context, userId, "get account data");
        var room = roomId.Length == 0 ? roomId : RequestIds.Room(roomId).ToString();
        type = RequestIds.Opaque(type, "account data type");
        // Server-managed types are readable "as normal"; the push rules live in their own tables.
        if (type == PushRules && room.Length == 0)
            return Results.Json(PushRulesReader.Content(await pushRules.GetRuleSetAsync(user, ct)));
        var content = await reader.GetAsync(user.ToString(), room, type, ct)
            ?? throw MatrixException.NotFound("Account data not found.");
        return Results.Bytes(content, "application/json");
    }
}
