using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Directory;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Workers.ClientReader.Directory;

/// <summary>
/// <c>GET</c>/<c>PUT /directory/list/room/{roomId}</c>: whether a room is listed in the public
/// room directory. Changing it takes a joined member who may send m.room.canonical_alias (the
/// same standing that publishes the room's address).
/// </summary>
internal static class RoomVisibilityEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapGet("directory/list/room/{roomId}", async (string roomId, RoomDirectoryStore store, HttpContext context) =>
        {
            RequireRoomId(roomId);
            var isPublic = await store.IsPublicAsync(roomId, context.RequestAborted)
                ?? throw MatrixException.NotFound("Unknown room");
            return Results.Json(new JsonObject { ["visibility"] = isPublic ? "public" : "private" });
        });

        app.ClientV3().MapPut("directory/list/room/{roomId}", async (string roomId, RoomDirectoryStore store, HttpContext context) =>
        {
            RequireRoomId(roomId);
            var body = await RequestBody.ReadObjectAsync(context);
            var visibility = body["visibility"] switch
            {
                null => "public",
                JsonValue v when v.TryGetValue<string>(out var s) && s is "public" or "private" => s,
                _ => throw MatrixException.InvalidParam("visibility must be \"public\" or \"private\""),
            };
            var user = context.Requester().User.ToString();
            var auth = await store.GetAuthStateAsync(roomId, user, context.RequestAborted)
                ?? throw MatrixException.NotFound("Unknown room");
            if (!MayPublish(auth.RoomVersion, auth.State, user))
                throw MatrixException.Forbidden("You may not change this room's directory listing");
            await store.SetPublicAsync(roomId, visibility == "public", context.RequestAborted);
            return Results.Json(new JsonObject());
        }).RequireAccessToken();
    }

    private static void RequireRoomId(string roomId)
    {
        if (!RoomId.TryParse(roomId, out _, out _))
            throw MatrixException.InvalidParam("Not a room ID");
    }

    private static bool MayPublish(
        string roomVersion, IReadOnlyDictionary<(string Type, string StateKey), (string EventId, JsonObject Json)> state, string user)
    {
        if (!Versions.TryGet(roomVersion, out var version))
            return false;
        Pdu? Event(string type, string key) =>
            state.TryGetValue((type, key), out var e) ? Pdu.Parse(e.Json, version, e.EventId) : null;
        var member = Event("m.room.member", user);
        if (member?.Content["membership"] is not JsonValue membership || !membership.TryGetValue<string>(out var m) || m != "join")
            return false;
        var create = Event("m.room.create", "");
        var powerLevels = Event("m.room.power_levels", "");
        return RoomPowerLevels.UserLevel(version, create, powerLevels, user)
            >= RoomPowerLevels.RequiredToSend(version, create, powerLevels, "m.room.canonical_alias", isState: true);
    }
}
