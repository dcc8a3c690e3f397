using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Http.RateLimiting;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventCreator.Creation;
using Cluster.Workers.EventCreator.Membership;
using Cluster.Workers.EventCreator.Sending;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.EventCreator;

/// <summary>The client endpoints that create room events (and the alias writes that go with them).</summary>
public static class EventCreatorEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapPost("createRoom", CreateRoomAsync).RequireAccessToken();

        app.ClientV3().MapPost("join/{roomIdOrAlias}", (HttpContext ctx, string roomIdOrAlias, JoinTargets targets, MembershipActions actions, RemoteRoomJoin remote) =>
            JoinAsync(ctx, PathValues.Get(ctx, "roomIdOrAlias"), targets, actions, remote)).RequireAccessToken();

        app.ClientV3().MapPost("rooms/{roomId}/join", (HttpContext ctx, string roomId, JoinTargets targets, MembershipActions actions, RemoteRoomJoin remote) =>
            JoinAsync(ctx, RoomIdOf(ctx), targets, actions, remote)).RequireAccessToken();

        // A room this server is in is knocked on here; any other through a resident server (make_knock/send_knock).
        app.ClientV3().MapPost("knock/{roomIdOrAlias}", async (
            HttpContext ctx, string roomIdOrAlias, JoinTargets targets, MembershipActions actions, RemoteRoomKnock remote) =>
        {
            var body = await RequestBody.ReadObjectAsync(ctx, emptyIsEmptyObject: true);
            var target = await targets.ResolveAsync(ctx.Requester().User, PathValues.Get(ctx, "roomIdOrAlias"), ServerHints(ctx), ctx.RequestAborted);
            if (target.Known)
                await actions.KnockAsync(ctx.Requester().User, target.RoomId, RequestValues.Reason(body), ctx.RequestAborted);
            else
                await remote.KnockAsync(ctx.Requester().User, target.RoomId, target.Servers, RequestValues.Reason(body), ctx.RequestAborted);
            return Results.Json(new JsonObject { ["room_id"] = target.RoomId });
        }).RequireAccessToken();

        app.ClientV3().MapPost("rooms/{roomId}/invite", async (HttpContext ctx, string roomId, MembershipActions actions) =>
        {
            var body = await RequestBody.ReadObjectAsync(ctx);
            var target = RequestValues.UserId(body.RequiredString("user_id"));
            await actions.InviteAsync(ctx.Requester().User, RoomIdOf(ctx), target, RequestValues.Reason(body), ctx.RequestAborted);
            return Empty();
        }).RequireAccessToken();

        // An invite or knock in a room this server is not in is left through a resident server.
        app.ClientV3().MapPost("rooms/{roomId}/leave", async (HttpContext ctx, string roomId, MembershipActions actions, RemoteRoomLeave remote) =>
        {
            var body = await RequestBody.ReadObjectAsync(ctx, emptyIsEmptyObject: true);
            var (user, room, reason) = (ctx.Requester().User, RoomIdOf(ctx), RequestValues.Reason(body));
            if (await remote.FindAsync(user, room, ctx.RequestAborted) is { } outside)
                await remote.LeaveAsync(user, outside, reason, ctx.RequestAborted);
            else
                await actions.LeaveAsync(user, room, reason, ctx.RequestAborted);
            return Empty();
        }).RequireAccessToken();

        app.ClientV3().MapPost("rooms/{roomId}/forget", async (HttpContext ctx, string roomId, MembershipActions actions) =>
        {
            await RequestBody.ReadObjectAsync(ctx, emptyIsEmptyObject: true);
            await actions.ForgetAsync(ctx.Requester().User, RoomIdOf(ctx), ctx.RequestAborted);
            return Empty();
        }).RequireAccessToken();

        MapTargeted(app, "kick", (actions, actor, roomId, target, reason, ct) => actions.KickAsync(actor, roomId, target, reason, ct));
        MapTargeted(app, "ban", (actions, actor, roomId, target, reason, ct) => actions.BanAsync(actor, roomId, target, reason, ct));
        MapTargeted(app, "unban", (actions, actor, roomId, target, reason, ct) => actions.UnbanAsync(actor, roomId, target, reason, ct));

        app.ClientV3().MapPut("rooms/{roomId}/send/{eventType}/{txnId}",
            async (HttpContext ctx, string roomId, string eventType, string txnId, RoomEventActions actions) =>
            {
                var content = await RequestBody.ReadObjectAsync(ctx);
                var sent = await actions.SendMessageAsync(ctx.Requester(), RoomIdOf(ctx),
                    RequestValues.EventField(PathValues.Get(ctx, "eventType"), "event type", allowEmpty: false),
                    RequestValues.EventField(PathValues.Get(ctx, "txnId"), "transaction ID", allowEmpty: false), content, ctx.RequestAborted);
                return Results.Json(new JsonObject { ["event_id"] = sent.EventId });
            }).RequireAccessToken().RateLimited(RateLimitAction.Message);

        app.ClientV3().MapPut("rooms/{roomId}/state/{eventType}/{stateKey}",
            (HttpContext ctx, string roomId, string eventType, string stateKey, RoomEventActions actions) =>
                PutStateAsync(ctx, roomId, eventType, PathValues.Get(ctx, "stateKey"), actions)).RequireAccessToken().RateLimited(RateLimitAction.Message);
        app.ClientV3().MapPut("rooms/{roomId}/state/{eventType}",
            (HttpContext ctx, string roomId, string eventType, RoomEventActions actions) =>
                PutStateAsync(ctx, roomId, eventType, "", actions)).RequireAccessToken().RateLimited(RateLimitAction.Message);

        app.ClientV3().MapPut("rooms/{roomId}/redact/{eventId}/{txnId}",
            async (HttpContext ctx, string roomId, string eventId, string txnId, RoomEventActions actions) =>
            {
                var body = await RequestBody.ReadObjectAsync(ctx, emptyIsEmptyObject: true);
                var room = RoomIdOf(ctx);
                var target = RequestValues.EventId(PathValues.Get(ctx, "eventId")).ToString();
                var txn = RequestValues.EventField(PathValues.Get(ctx, "txnId"), "transaction ID", allowEmpty: false);
                var content = new JsonObject();
                if (RequestValues.Reason(body) is { } reason)
                    content["reason"] = reason;
                var requester = ctx.Requester();
                var sent = await actions.RedactAsync(requester, room, target, content,
                    new ClientTransaction(requester.User.ToString(), requester.DeviceId, $"redact {room}", txn), ctx.RequestAborted);
                return Results.Json(new JsonObject { ["event_id"] = sent.EventId });
            }).RequireAccessToken().RateLimited(RateLimitAction.Message);

        app.ClientV3().MapPut("directory/room/{roomAlias}", PutAliasAsync).RequireAccessToken();
        app.ClientV3().MapDelete("directory/room/{roomAlias}", DeleteAliasAsync).RequireAccessToken();
    }

    // A room this server is in is joined here; any other through a resident server (make_join/send_join).
    private static async Task<IResult> JoinAsync(
        HttpContext ctx, string roomIdOrAlias, JoinTargets targets, MembershipActions actions, RemoteRoomJoin remote)
    {
        var body = await RequestBody.ReadObjectAsync(ctx, emptyIsEmptyObject: true);
        var target = await targets.ResolveAsync(ctx.Requester().User, roomIdOrAlias, ServerHints(ctx), ctx.RequestAborted);
        if (target.Known)
            await actions.JoinAsync(ctx.Requester().User, target.RoomId, RequestValues.Reason(body), ctx.RequestAborted);
        else
            await remote.JoinAsync(ctx.Requester().User, target.RoomId, target.Servers, RequestValues.Reason(body), ctx.RequestAborted);
        return Results.Json(new JsonObject { ["room_id"] = target.RoomId });
    }

    // The servers the client names to go through (via, and server_name as older clients send it).
    private static List<string> ServerHints(HttpContext ctx)
    {
        var query = ctx.Request.Query;
        return query["via"].Concat(query["server_name"]).OfType<string>().Where(s => s.Length is > 0 and <= 255).Take(RemoteRoomJoin.MaxServersTried).ToList();
    }

    private static async Task<IResult> CreateRoomAsync(HttpContext ctx, RoomCreator creator)
    {
        var request = CreateRoomRequest.Parse(await RequestBody.ReadObjectAsync(ctx));
        var roomId = await creator.CreateAsync(ctx.Requester().User, request, ctx.RequestAborted);
        return Results.Json(new JsonObject { ["room_id"] = roomId });
    }

    private static async Task<IResult> PutStateAsync(HttpContext ctx, string roomId, string eventType, string stateKey, RoomEventActions actions)
    {
        var content = await RequestBody.ReadObjectAsync(ctx);
        var sent = await actions.SendStateAsync(ctx.Requester(), RoomIdOf(ctx),
            RequestValues.EventField(PathValues.Get(ctx, "eventType"), "event type", allowEmpty: false),
            RequestValues.EventField(stateKey, "state key", allowEmpty: true), content, ctx.RequestAborted);
        return Results.Json(new JsonObject { ["event_id"] = sent.EventId });
    }

    private delegate Task<SentEvent> TargetedAction(
        MembershipActions actions, UserId actor, string roomId, UserId target, string? reason, CancellationToken cancellationToken);

    private static void MapTargeted(IEndpointRouteBuilder app, string verb, TargetedAction action) =>
        app.ClientV3().MapPost($"rooms/{{roomId}}/{verb}", async (HttpContext ctx, string roomId, MembershipActions actions) =>
        {
            var body = await RequestBody.ReadObjectAsync(ctx);
            var target = RequestValues.UserId(body.RequiredString("user_id"));
            await action(actions, ctx.Requester().User, RoomIdOf(ctx), target, RequestValues.Reason(body), ctx.RequestAborted);
            return Empty();
        }).RequireAccessToken();

    /// <summary>PUT /directory/room/{alias}: a local alias for a room the requester is joined to; 409 if taken.</summary>
    private static async Task<IResult> PutAliasAsync(
        HttpContext ctx, string roomAlias, RoomAliasStore aliases, RoomMembershipStore memberships, IOptions<ClusterOptions> options)
    {
        var alias = LocalAlias(PathValues.Get(ctx, "roomAlias"), options.Value.ServerName);
        var body = await RequestBody.ReadObjectAsync(ctx);
        var roomId = RequestValues.RoomId(body.RequiredString("room_id")).ToString();
        var user = ctx.Requester().User.ToString();
        var rooms = await memberships.GetJoinedRoomIdsAsync(user, ctx.RequestAborted);
        if (!rooms.Contains(roomId))
            throw MatrixException.Forbidden("You must be in the room to give it an alias.");
        if (!await aliases.TryCreateAsync(alias, roomId, user, ctx.RequestAborted))
            throw new MatrixException(StatusCodes.Status409Conflict, ErrCodes.Unknown, $"Room alias {alias} already exists.");
        return Empty();
    }

    /// <summary>DELETE /directory/room/{alias}: by its creator, a server admin, or whoever may set the room's canonical alias.</summary>
    private static async Task<IResult> DeleteAliasAsync(
        HttpContext ctx, string roomAlias, RoomAliasStore aliases, RoomStateStore state, IOptions<ClusterOptions> options)
    {
        var alias = LocalAlias(PathValues.Get(ctx, "roomAlias"), options.Value.ServerName);
        var requester = ctx.Requester();
        var record = await aliases.GetAsync(alias, ctx.RequestAborted)
            ?? throw MatrixException.NotFound($"Room alias {alias} not found.");
        var user = requester.User.ToString();
        if (record.Creator != user && !requester.IsAdmin && !await MayChangeCanonicalAliasAsync(state, record.RoomId, user, ctx.RequestAborted))
            throw MatrixException.Forbidden("You may not delete this alias.");
        if (!await aliases.DeleteAsync(alias, ctx.RequestAborted))
            throw MatrixException.NotFound($"Room alias {alias} not found.");
        return Empty();
    }

    private static async Task<bool> MayChangeCanonicalAliasAsync(RoomStateStore state, string roomId, string user, CancellationToken cancellationToken)
    {
        var found = await state.GetCurrentStateEventsAsync(roomId,
            [(Shared.Events.RoomEventTypes.Create, ""), (Shared.Events.RoomEventTypes.PowerLevels, ""), (Shared.Events.RoomEventTypes.Member, user)],
            cancellationToken);
        if (!found.TryGetValue((Shared.Events.RoomEventTypes.Create, ""), out var create)
            || found.GetValueOrDefault((Shared.Events.RoomEventTypes.Member, user))?.Membership != Shared.Events.MembershipStates.Join)
            return false;
        var createPdu = create.ToPdu();
        var powerLevels = found.GetValueOrDefault((Shared.Events.RoomEventTypes.PowerLevels, ""))?.ToPdu();
        var level = Shared.Auth.RoomPowerLevels.UserLevel(createPdu.Version, createPdu, powerLevels, user);
        var needed = Shared.Auth.RoomPowerLevels.RequiredToSend(createPdu.Version, createPdu, powerLevels, Shared.Events.RoomEventTypes.CanonicalAlias, isState: true);
        return level >= needed;
    }

    private static string LocalAlias(string value, string serverName)
    {
        var alias = RequestValues.RoomAlias(value);
        if (alias.ServerName.ToString() != serverName)
            throw MatrixException.InvalidParam($"Room alias {value} is not on this server.");
        return alias.ToString();
    }

    private static string RoomIdOf(HttpContext ctx) => RequestValues.RoomId(PathValues.Get(ctx, "roomId")).ToString();

    private static IResult Empty() => Results.Json(new JsonObject());
}
