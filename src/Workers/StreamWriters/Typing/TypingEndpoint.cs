using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.Typing;

/// <summary><c>PUT /rooms/{roomId}/typing/{userId}</c> (spec: "Typing Notifications").</summary>
internal static class TypingEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.ClientV3().MapPut("rooms/{roomId}/typing/{userId}", async (
            HttpContext context, string roomId, string userId, ITypingWriter writer, RoomMembershipStore membership) =>
        {
            var ct = context.RequestAborted;
            var user = RequestIds.RequireSelf(context, userId, "set typing");
            var room = RequestIds.Room(roomId);
            var body = await RequestBody.ReadObjectAsync(context);
            var typing = body.RequiredBool("typing");
            TimeSpan timeout = default;
            if (typing)
            {
                // "If typing is false, the timeout key can be omitted": so it is required otherwise.
                var ms = body.OptionalInteger("timeout") ?? throw MatrixException.BadJson("'timeout' is required when typing.");
                if (ms < 0)
                    throw MatrixException.InvalidParam("'timeout' must not be negative.");
                timeout = TimeSpan.FromMilliseconds(Math.Min(ms, (long)TypingWriter.MaxTimeout.TotalMilliseconds));
            }
            if (!await membership.IsJoinedAsync(room.ToString(), user.ToString(), ct))
                throw MatrixException.Forbidden("You are not joined to this room.");
            if (typing)
                await writer.StartTypingAsync(room.ToString(), user.ToString(), timeout, ct);
            else
                await writer.StopTypingAsync(room.ToString(), user.ToString(), ct);
            return Results.Json(new System.Text.Json.Nodes.JsonObject());
        }).RequireAccessToken();
}
