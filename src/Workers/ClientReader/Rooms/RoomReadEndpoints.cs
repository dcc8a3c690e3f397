using System.Text.Json.Nodes;
using Cluster.Replication.Streams.Events;
using Cluster.Replication.Tokens;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.ClientReader.Rooms;

/// <summary>The read side of rooms: state, single events, members, joined rooms and aliases.</summary>
public static class RoomReadEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapGet("rooms/{roomId}/state", GetStateAsync).RequireAccessToken();
        app.ClientV3().MapGet("rooms/{roomId}/state/{eventType}/{stateKey}",
            (HttpContext ctx, string roomId, string eventType, string stateKey, RoomReadAccess access, RoomStateStore state,
                EventStore events, ClientEventSerializer serializer) =>
                GetStateEventAsync(ctx, roomId, eventType, PathValues.Get(ctx, "stateKey"), access, state, events, serializer)).RequireAccessToken();
        app.ClientV3().MapGet("rooms/{roomId}/state/{eventType}",
            (HttpContext ctx, string roomId, string eventType, RoomReadAccess access, RoomStateStore state,
                EventStore events, ClientEventSerializer serializer) =>
                GetStateEventAsync(ctx, roomId, eventType, "", access, state, events, serializer)).RequireAccessToken();
        app.ClientV3().MapGet("rooms/{roomId}/event/{eventId}", GetEventAsync).RequireAccessToken();
        app.ClientV3().MapGet("rooms/{roomId}/members", GetMembersAsync).RequireAccessToken();
        app.ClientV3().MapGet("rooms/{roomId}/joined_members", GetJoinedMembersAsync).RequireAccessToken();
        app.ClientV3().MapGet("joined_rooms", async (HttpContext ctx, RoomMembershipStore memberships) =>
        {
            var rooms = await memberships.GetJoinedRoomIdsAsync(ctx.Requester().User.ToString(), ctx.RequestAborted);
            return Results.Json(new JsonObject { ["joined_rooms"] = new JsonArray([.. rooms.Select(r => JsonValue.Create(r))]) });
        }).RequireAccessToken();
        app.ClientV3().MapGet("rooms/{roomId}/aliases", async (HttpContext ctx, string roomId, RoomReadAccess access, RoomAliasStore aliases) =>
        {
            var room = RoomIdOf(ctx);
            await access.RequireJoinedAsync(room, ctx.Requester().User.ToString(), orWorldReadable: true, ctx.RequestAborted);
            var list = await aliases.GetAliasesOfRoomAsync(room, ctx.RequestAborted);
            return Results.Json(new JsonObject { ["aliases"] = new JsonArray([.. list.Select(a => JsonValue.Create(a))]) });
        }).RequireAccessToken();
    }

    private static async Task<IResult> GetStateAsync(
        HttpContext ctx, string roomId, RoomReadAccess access, RoomStateStore state, ClientEventSerializer serializer)
    {
        var room = RoomIdOf(ctx);
        var requester = ctx.Requester();
        var view = await access.ForStateAsync(room, requester.User.ToString(), ctx.RequestAborted);
        var ids = await access.StateIdsAsync(room, view, ctx.RequestAborted);
        var stored = await state.GetStateEventsAsync(ids, ctx.RequestAborted);
        var formatted = await serializer.SerializeAsync(stored, requester.User.ToString(), requester.DeviceId, ctx.RequestAborted);
        return Results.Json(new JsonArray([.. formatted]));
    }

    private static async Task<IResult> GetStateEventAsync(
        HttpContext ctx, string roomId, string eventType, string stateKey, RoomReadAccess access, RoomStateStore state,
        EventStore events, ClientEventSerializer serializer)
    {
        var room = RoomIdOf(ctx);
        var type = PathValues.Get(ctx, "eventType");
        var asEvent = ctx.Request.Query["format"].ToString() switch
        {
            "" or "content" => false,
            "event" => true,
            _ => throw MatrixException.InvalidParam("'format' must be 'content' or 'event'."),
        };
        var requester = ctx.Requester();
        var view = await access.ForStateAsync(room, requester.User.ToString(), ctx.RequestAborted);
        StoredEvent? stored;
        if (view.IsCurrent)
        {
            stored = await state.GetCurrentStateEventAsync(room, type, stateKey, ctx.RequestAborted);
        }
        else
        {
            var eventId = (await access.StateIdsAsync(room, view, ctx.RequestAborted)).GetValueOrDefault((type, stateKey));
            stored = eventId is null ? null : await events.GetEventAsync(eventId, ctx.RequestAborted);
        }
        if (stored is null)
            throw MatrixException.NotFound($"The room has no {type} state with key '{stateKey}'.");
        if (asEvent)
            return Results.Json(await serializer.SerializeAsync(stored, requester.User.ToString(), requester.DeviceId, ctx.RequestAborted));
        return Results.Json(ClientEventFormat.ContentOf(stored.ParseJson(), stored.RoomVersion, stored.IsRedacted));
    }

    /// <summary>GET /event: 404 both for an unknown event and for one the requester may not see (spec).</summary>
    private static async Task<IResult> GetEventAsync(
        HttpContext ctx, string roomId, string eventId, EventStore events, EventVisibility visibility, ClientEventSerializer serializer)
    {
        var room = RoomIdOf(ctx);
        var id = RequestValues.EventId(PathValues.Get(ctx, "eventId")).ToString();
        var requester = ctx.Requester();
        var userId = requester.User.ToString();
        var stored = await events.GetEventAsync(id, ctx.RequestAborted);
        if (stored is null || stored.RoomId != room || !await visibility.CanSeeAsync(userId, stored, ctx.RequestAborted))
            throw MatrixException.NotFound("Event not found.");
        return Results.Json(await serializer.SerializeAsync(stored, userId, requester.DeviceId, ctx.RequestAborted));
    }

    /// <summary>
    /// GET /members: the member events of the state the requester may see, or of the room at the
    /// <c>at</c> token (never later than when they left). <c>membership</c> and <c>not_membership</c>
    /// combine as "is X or is not Y" (spec).
    /// </summary>
    private static async Task<IResult> GetMembersAsync(
        HttpContext ctx, string roomId, RoomReadAccess access, RoomStateStore state, EventStore events, ClientEventSerializer serializer)
    {
        var room = RoomIdOf(ctx);
        var membership = MembershipFilter(ctx, "membership");
        var notMembership = MembershipFilter(ctx, "not_membership");
        var at = ctx.Request.Query["at"].ToString();
        var requester = ctx.Requester();
        var userId = requester.User.ToString();
        var view = await access.ForStateAsync(room, userId, ctx.RequestAborted);

        IReadOnlyDictionary<(string Type, string StateKey), string> ids;
        if (at.Length > 0)
        {
            var bound = ParseAt(at);
            var latest = await events.GetLatestRoomEventAsync(room, bound, ctx.RequestAborted);
            if (view.LeftAt is { } leave && (latest is null || latest.StreamOrdering > leave.StreamOrdering))
                latest = leave;
            ids = latest is null
                ? new Dictionary<(string Type, string StateKey), string>()
                : await state.GetStateIdsAfterEventAsync(latest, null, ctx.RequestAborted) ?? new Dictionary<(string Type, string StateKey), string>();
        }
        else
        {
            ids = await access.StateIdsAsync(room, view, ctx.RequestAborted);
        }
        var memberIds = ids.Where(kv => kv.Key.Type == RoomEventTypes.Member).ToDictionary(kv => kv.Key, kv => kv.Value);
        var stored = (await state.GetStateEventsAsync(memberIds, ctx.RequestAborted))
            .Where(e => Matches(e.Membership, membership, notMembership)).ToArray();
        var formatted = await serializer.SerializeAsync(stored, userId, requester.DeviceId, ctx.RequestAborted);
        return Results.Json(new JsonObject { ["chunk"] = new JsonArray([.. formatted]) });
    }

    private static bool Matches(string? actual, string? membership, string? notMembership) => (membership, notMembership) switch
    {
        (null, null) => true,
        ({ } want, null) => actual == want,
        (null, { } exclude) => actual != exclude,
        ({ } want, { } exclude) => actual == want || actual != exclude,
    };

    /// <summary>GET /joined_members: members joined now, with their room profile; only for a member joined now.</summary>
    private static async Task<IResult> GetJoinedMembersAsync(
        HttpContext ctx, string roomId, RoomReadAccess access, RoomMembershipStore memberships, EventStore events)
    {
        var room = RoomIdOf(ctx);
        await access.RequireJoinedAsync(room, ctx.Requester().User.ToString(), orWorldReadable: false, ctx.RequestAborted);
        var members = await memberships.GetCurrentMembersAsync(room, MembershipStates.Join, ctx.RequestAborted);
        var found = await events.GetEventsAsync([.. members.Select(m => m.EventId)], ctx.RequestAborted);
        var joined = new JsonObject();
        foreach (var member in members)
        {
            var entry = new JsonObject();
            if (found.TryGetValue(member.EventId, out var e))
            {
                var content = ClientEventFormat.ContentOf(e.ParseJson(), e.RoomVersion, e.IsRedacted);
                if (content["displayname"] is JsonValue name && name.TryGetValue<string>(out var displayName))
                    entry["display_name"] = displayName;
                if (content["avatar_url"] is JsonValue avatar && avatar.TryGetValue<string>(out var avatarUrl))
                    entry["avatar_url"] = avatarUrl;
            }
            joined[member.UserId] = entry;
        }
        return Results.Json(new JsonObject { ["joined"] = joined });
    }

    private static string? MembershipFilter(HttpContext ctx, string name)
    {
        var value = ctx.Request.Query[name].ToString();
        if (value.Length == 0)
            return null;
        return MembershipStates.All.Contains(value) ? value : throw MatrixException.InvalidParam($"'{name}' must be one of join, invite, knock, leave, ban.");
    }

    /// <summary>The <c>at</c> of /members: a /sync token (its events position) or a room stream token.</summary>
    private static StreamBound ParseAt(string at)
    {
        if (LiveRoomStreamToken.TryParse(at, out var live))
            return live.Positions.ToStreamBound();
        if (SyncToken.TryParse(at, out var sync))
            return sync.Events.ToStreamBound();
        if (RoomStreamToken.TryParse(at, out var token) && token is TopologicalRoomStreamToken topological)
            return StreamBound.At(topological.Stream);
        throw MatrixException.InvalidParam("'at' is not a pagination token.");
    }

    private static string RoomIdOf(HttpContext ctx) => RequestValues.RoomId(PathValues.Get(ctx, "roomId")).ToString();
}
