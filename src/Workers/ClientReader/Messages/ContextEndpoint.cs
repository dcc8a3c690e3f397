using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.ClientReader.Messages;

/// <summary>GET /rooms/{roomId}/context/{eventId}: an event with the events around it and the state at the last one.</summary>
public static class ContextEndpoint
{
    internal static async Task<IResult> GetContextAsync(
        HttpContext ctx, string roomId, string eventId, EventStore events, RoomStateStore state, EventVisibility visibility,
        RoomHistoryAccess access, RoomHistoryPager pager, LazyMemberLoader members, ClientEventSerializer serializer)
    {
        var room = MessagesEndpoints.RoomIdOf(roomId);
        var id = RequestValues.EventId(PathValues.Decode(eventId)).ToString();
        var query = ctx.Request.Query;
        var filter = PaginationQuery.Filter(query["filter"]);
        var limit = PaginationQuery.Limit(query["limit"], filter.Limit, minimum: 0);
        var requester = ctx.Requester();
        var userId = requester.User.ToString();
        var cancellationToken = ctx.RequestAborted;

        // Unknown, in another room, or not visible to the requester: all the same 404, so the
        // answer does not tell which events exist.
        var target = await events.GetEventAsync(id, cancellationToken);
        if (target is null || target.RoomId != room || !await visibility.CanSeeAsync(userId, target, cancellationToken))
            throw MatrixException.NotFound("Event not found.");

        var allowed = await access.GetAsync(room, userId, cancellationToken);
        var beforeLimit = limit / 2;
        var before = await pager.WalkAsync(new HistoryWalk(
            room, userId, HistoryPositions.Before(target), PaginationDirection.Backwards, null, beforeLimit, filter), cancellationToken);
        var after = await pager.WalkAsync(new HistoryWalk(
            room, userId, HistoryPositions.At(target), PaginationDirection.Forwards, allowed.UpTo, limit - beforeLimit, filter), cancellationToken);

        var last = after.Events.Count > 0 ? after.Events[^1] : target;
        IReadOnlyList<StoredEvent> stateEvents;
        if (filter.LazyLoadMembers)
        {
            stateEvents = await members.AfterEventAsync(last, [.. before.Events, target, .. after.Events], cancellationToken);
        }
        else
        {
            var ids = await state.GetStateIdsAfterEventAsync(last, null, cancellationToken)
                ?? new Dictionary<(string Type, string StateKey), string>();
            stateEvents = [.. (await state.GetStateEventsAsync(ids, cancellationToken))
                .Where(e => RoomHistoryPager.Passes(filter, e))];
        }

        var formatted = await serializer.SerializeAsync([.. before.Events, target, .. after.Events], userId, requester.DeviceId, cancellationToken);
        var formattedState = await serializer.SerializeAsync(stateEvents, userId, requester.DeviceId, cancellationToken);
        return Results.Json(new JsonObject
        {
            ["start"] = HistoryPositions.ToToken(before.Next),
            ["end"] = HistoryPositions.ToToken(after.Next),
            ["events_before"] = new JsonArray([.. formatted.Take(before.Events.Count)]),
            ["event"] = formatted[before.Events.Count],
            ["events_after"] = new JsonArray([.. formatted.Skip(before.Events.Count + 1)]),
            ["state"] = new JsonArray([.. formattedState]),
        });
    }
}
