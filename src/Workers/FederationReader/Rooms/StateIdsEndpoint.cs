using System.Text.Json.Nodes;
using Cluster.Workers.FederationReader.Authentication;

namespace Cluster.Workers.FederationReader.Rooms;

/// <summary><c>GET /_matrix/federation/v1/state_ids/{roomId}?event_id=</c>: the IDs of the room's state before the event and of its auth chain.</summary>
public static class StateIdsEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/_matrix/federation/v1/state_ids/{roomId}", async (HttpContext context, RoomStateAtEvent stateAt) =>
        {
            var roomId = FederationRoomParams.RoomIdFromPath(context);
            var eventId = FederationRoomParams.EventIdFromQuery(context, "event_id");
            var found = await stateAt.GetAsync(roomId, eventId, context.FederationRequester().Origin, context.RequestAborted);
            return Results.Json(new JsonObject
            {
                ["auth_chain_ids"] = new JsonArray([.. found.AuthChainIds.Select(id => (JsonNode)id)]),
                ["pdu_ids"] = new JsonArray([.. found.StateIds.Select(id => (JsonNode)id)]),
            });
        }).RequireFederationAuth();
}
