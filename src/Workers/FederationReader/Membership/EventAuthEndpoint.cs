using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.FederationReader.Authentication;
using Cluster.Workers.FederationReader.Rooms;

namespace Cluster.Workers.FederationReader.Membership;

/// <summary>
/// <c>GET /_matrix/federation/v1/event_auth/{roomId}/{eventId}</c>: the event's auth chain (its auth
/// events, recursively) as PDUs, under the access rules of <c>/state</c>: a server with a member in the
/// room, allowed by the ACL, asking about an event of the room it may see.
/// </summary>
public static class EventAuthEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/_matrix/federation/v1/event_auth/{roomId}/{eventId}", async (
            HttpContext context, FederationRoomAccess access, EventStore events, EventGraphStore graph, ServerEventVisibility visibility) =>
        {
            var ct = context.RequestAborted;
            var origin = context.FederationRequester().Origin;
            var roomId = FederationRoomParams.RoomIdFromPath(context);
            var eventId = RequestValues.EventId(PathValues.Get(context, "eventId")).ToString();
            var room = await access.RequireAsync(roomId, origin, ct);
            var stored = await events.GetEventAsync(eventId, ct);
            if (stored is null || stored.RoomId != roomId || stored.RejectionReason is not null)
                throw MatrixException.NotFound($"Event {eventId} is not known in {roomId}.");
            if (!stored.Outlier && !(await visibility.VisibleAsync(origin, [stored], ct)).Contains(eventId))
                throw MatrixException.Forbidden($"{origin} may not see {eventId}, so not its auth chain either.");
            var chain = (await graph.GetAuthChainIdsAsync(roomId, [eventId], ct)).Where(id => id != eventId).ToList();
            if (room.Version.RoomIdFromCreateEvent && Shared.Identifiers.RoomId.TryParse(roomId, out var parsed)
                && parsed.CreateEventId is { } create && create.ToString() != eventId && !chain.Contains(create.ToString()))
                chain.Add(create.ToString());
            var found = await events.GetEventsAsync(chain, ct);
            return Results.Json(new JsonObject
            {
                ["auth_chain"] = new JsonArray([.. chain.Select(found.GetValueOrDefault).OfType<StoredEvent>()
                    .Select(e => (JsonNode)FederationPdus.Format(e, contentVisible: true))]),
            });
        }).RequireFederationAuth();
}
