using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.FederationReader.Authentication;
using Cluster.Workers.FederationReader.Rooms;

namespace Cluster.Workers.FederationReader.Membership;

/// <summary>
/// The first half of the membership handshakes (server-server spec "Joining rooms", "Leaving rooms",
/// "Knocking upon a room"): <c>GET /_matrix/federation/v1/make_join|make_leave|make_knock/{roomId}/{userId}</c>
/// answer <c>{event, room_version}</c>, a template the asking server signs and sends back, once the
/// auth rules allow the membership against the room's current state (403 M_FORBIDDEN otherwise).
/// make_join and make_knock take the room versions the asker supports in <c>ver</c>.
/// </summary>
public static class MakeMembershipEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/_matrix/federation/v1/make_join/{roomId}/{userId}", async (
            HttpContext context, ResidentRoomAccess access, MembershipTemplates templates, RestrictedJoinAuthoriser restricted) =>
        {
            var ct = context.RequestAborted;
            var (room, userId) = await RequireAsync(context, access, ct);
            RequireSupportedVersion(context, room, defaultVersions: ["1"]);
            var draft = await templates.DraftAsync(room, userId, new JsonObject { ["membership"] = MembershipStates.Join }, ct);
            if (draft.Refusal() is { } refusal)
            {
                var joinRules = await restricted.JoinRulesAsync(room.RoomId, ct);
                if (joinRules is null || !RestrictedJoinAuthoriser.Applies(room, Pdu.StringOf(joinRules["join_rule"])))
                    throw MatrixException.Forbidden($"{userId} may not join {room.RoomId}: {refusal}");
                draft = await restricted.DraftAsync(room, userId, joinRules, ct);
            }
            return Answer(draft, room);
        }).RequireFederationAuth();

        endpoints.MapGet("/_matrix/federation/v1/make_leave/{roomId}/{userId}", async (
            HttpContext context, ResidentRoomAccess access, MembershipTemplates templates) =>
        {
            var ct = context.RequestAborted;
            var (room, userId) = await RequireAsync(context, access, ct);
            var draft = await templates.DraftAsync(room, userId, new JsonObject { ["membership"] = MembershipStates.Leave }, ct);
            if (draft.Refusal() is { } refusal)
                throw MatrixException.Forbidden($"{userId} may not leave {room.RoomId}: {refusal}");
            return Answer(draft, room);
        }).RequireFederationAuth();

        endpoints.MapGet("/_matrix/federation/v1/make_knock/{roomId}/{userId}", async (
            HttpContext context, ResidentRoomAccess access, MembershipTemplates templates) =>
        {
            var ct = context.RequestAborted;
            var (room, userId) = await RequireAsync(context, access, ct);
            if (context.Request.Query["ver"].Count == 0)
                throw MatrixException.MissingParam("ver (the room versions the asking server supports) is required.");
            RequireSupportedVersion(context, room, defaultVersions: []);
            if (!room.Version.KnockJoinRule)
                throw MatrixException.Forbidden($"Room version {room.Version.Id} of {room.RoomId} does not allow knocking.");
            var draft = await templates.DraftAsync(room, userId, new JsonObject { ["membership"] = MembershipStates.Knock }, ct);
            if (draft.Refusal() is { } refusal)
                throw MatrixException.Forbidden($"{userId} may not knock on {room.RoomId}: {refusal}");
            return Answer(draft, room);
        }).RequireFederationAuth();
    }

    private static async Task<(RoomRecord Room, string UserId)> RequireAsync(HttpContext context, ResidentRoomAccess access, CancellationToken ct)
    {
        var origin = context.FederationRequester().Origin;
        var roomId = FederationRoomParams.RoomIdFromPath(context);
        var userId = ResidentRoomAccess.RequireUserOf(PathValues.Get(context, "userId"), origin);
        return (await access.RequireAsync(roomId, origin, ct), userId);
    }

    /// <summary>400 M_INCOMPATIBLE_ROOM_VERSION, with the room's version, when <c>ver</c> does not list it.</summary>
    private static void RequireSupportedVersion(HttpContext context, RoomRecord room, IReadOnlyList<string> defaultVersions)
    {
        var listed = context.Request.Query["ver"].OfType<string>().ToList();
        var supported = listed.Count == 0 ? defaultVersions : listed;
        if (!supported.Contains(room.Version.Id, StringComparer.Ordinal))
            throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.IncompatibleRoomVersion,
                $"{room.RoomId} has room version {room.Version.Id}, which the asking server does not support.",
                new JsonObject { ["room_version"] = room.Version.Id });
    }

    private static IResult Answer(MembershipDraft draft, RoomRecord room) =>
        Results.Json(new JsonObject { ["event"] = draft.Template, ["room_version"] = room.Version.Id });
}
