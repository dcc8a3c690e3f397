using System.Text.Json.Nodes;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.FederationReader.Authentication;

namespace Cluster.Workers.FederationReader.Rooms;

/// <summary>
/// <c>GET /_matrix/federation/v1/state/{roomId}?event_id=</c>: the room's state before the event and
/// its auth chain, as PDUs (redacted where a redaction applies; state itself is not filtered by history
/// visibility, since the server may see the event it is the state of).
/// </summary>
public static class StateEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/_matrix/federation/v1/state/{roomId}", async (HttpContext context, RoomStateAtEvent stateAt, EventStore events) =>
        {
            var ct = context.RequestAborted;
            var roomId = FederationRoomParams.RoomIdFromPath(context);
            var eventId = FederationRoomParams.EventIdFromQuery(context, "event_id");
            var found = await stateAt.GetAsync(roomId, eventId, context.FederationRequester().Origin, ct);
            var stored = await events.GetEventsAsync([.. found.StateIds, .. found.AuthChainIds], ct);
            return Results.Json(new JsonObject
            {
                ["auth_chain"] = Pdus(found.AuthChainIds, stored),
                ["pdus"] = Pdus(found.StateIds, stored),
            });
        }).RequireFederationAuth();

    private static JsonArray Pdus(IEnumerable<string> ids, IReadOnlyDictionary<string, StoredEvent> stored) =>
        new([.. ids.Select(stored.GetValueOrDefault).OfType<StoredEvent>().Select(e => (JsonNode)FederationPdus.Format(e, contentVisible: true))]);
}
