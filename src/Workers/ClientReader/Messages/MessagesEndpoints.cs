using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.ClientReader.Messages;

/// <summary>GET /rooms/{roomId}/messages: pages through a room's history.</summary>
public static class MessagesEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapGet("rooms/{roomId}/messages", GetMessagesAsync).RequireAccessToken();
        app.ClientV3().MapGet("rooms/{roomId}/context/{eventId}", ContextEndpoint.GetContextAsync).RequireAccessToken();
    }

    private static async Task<IResult> GetMessagesAsync(
        HttpContext ctx, string roomId, EventStore events, RoomHistoryAccess access, RoomHistoryPager pager, RoomBackfill backfill,
        LazyMemberLoader members, ClientEventSerializer serializer, ILogger<RoomHistoryPager> logger)
    {
        var room = RoomIdOf(roomId);
        var query = ctx.Request.Query;
        var direction = PaginationQuery.Direction(query["dir"]);
        var filter = PaginationQuery.Filter(query["filter"]);
        var limit = PaginationQuery.Limit(query["limit"], filter.Limit, minimum: 1);
        var fromText = PaginationQuery.Single(query["from"], "from");
        var from = PaginationQuery.Token(query["from"], "from");
        var to = PaginationQuery.Token(query["to"], "to");
        var requester = ctx.Requester();
        var userId = requester.User.ToString();
        var cancellationToken = ctx.RequestAborted;

        var allowed = await access.GetAsync(room, userId, cancellationToken);
        if (!allowed.Allowed)
            throw MatrixException.Forbidden($"You aren't a member of room {room}.");

        var start = from is null
            ? direction == PaginationDirection.Backwards ? HistoryPositions.End : HistoryPositions.Start
            : await from.ResolveAsync(room, events, cancellationToken);
        var stop = to is null ? (TopologicalPosition?)null : await to.ResolveAsync(room, events, cancellationToken);
        if (allowed.UpTo is { } upTo)
        {
            // A departed member's walk ends at their departure, whichever way it goes.
            if (direction == PaginationDirection.Backwards)
                start = HistoryPositions.Min(start, upTo);
            else
                stop = stop is { } s ? HistoryPositions.Min(s, upTo) : upTo;
        }

        var walk = new HistoryWalk(room, userId, start, direction, stop, limit, filter);
        var page = await pager.WalkAsync(walk, cancellationToken);
        // The walk reached the start of this server's history: other servers may hold what came before.
        if (direction == PaginationDirection.Backwards && stop is null && !page.MoreAvailable && page.Events.Count < limit
            && await backfill.BackfillAsync(room, limit, cancellationToken) > 0)
        {
            // Walked again from the same place, since what was fetched sorts below everything held;
            // and not the end yet, since there may be more before it.
            page = await pager.WalkAsync(walk, cancellationToken);
            page = page with { MoreAvailable = true };
        }

        var response = new JsonObject
        {
            ["chunk"] = new JsonArray([.. await serializer.SerializeAsync(page.Events, userId, requester.DeviceId, cancellationToken)]),
            ["start"] = fromText is { Length: > 0 } ? fromText : StartToken(start, page),
        };
        if (page.MoreAvailable)
            response["end"] = HistoryPositions.ToToken(page.Next);
        if (filter.LazyLoadMembers)
        {
            var memberEvents = await members.AtEachEventAsync(page.Events, cancellationToken);
            response["state"] = new JsonArray([.. await serializer.SerializeAsync(memberEvents, userId, requester.DeviceId, cancellationToken)]);
        }
        logger.LogDebug("Paginated {RoomId} {Direction} for {UserId}: {Count} event(s), more: {More}",
            room, direction, userId, page.Events.Count, page.MoreAvailable);
        return Results.Json(response);
    }

    /// <summary>
    /// With no <c>from</c>, the place the page started: just after the newest event when walking
    /// backwards (so the same request with this as <c>from</c> returns the same page).
    /// </summary>
    private static string StartToken(TopologicalPosition start, HistoryPage page)
    {
        if (start == HistoryPositions.End)
            return HistoryPositions.ToToken(page.FirstSeen is { } newest ? HistoryPositions.At(newest) : HistoryPositions.Start);
        return HistoryPositions.ToToken(start);
    }

    internal static string RoomIdOf(string pathValue) => RequestValues.RoomId(PathValues.Decode(pathValue)).ToString();
}
