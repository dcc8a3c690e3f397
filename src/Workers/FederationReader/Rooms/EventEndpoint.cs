using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.FederationReader.Authentication;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Rooms;

/// <summary>
/// <c>GET /_matrix/federation/v1/event/{eventId}</c>: one event as a transaction with a single PDU.
/// Unknown and rejected events are 404; an event of a room the server may not read is 403; an event
/// the server may not see under the room's history visibility comes redacted (as Synapse serves it).
/// </summary>
public static class EventEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/_matrix/federation/v1/event/{eventId}", async (
            HttpContext context, EventStore events, FederationRoomAccess access, ServerEventVisibility visibility,
            IOptions<ClusterOptions> cluster, TimeProvider clock) =>
        {
            var ct = context.RequestAborted;
            var origin = context.FederationRequester().Origin;
            var eventId = RequestValues.EventId(PathValues.Get(context, "eventId")).ToString();
            var stored = await events.GetEventAsync(eventId, ct);
            if (stored is null || stored.RejectionReason is not null)
                throw MatrixException.NotFound($"Event {eventId} is not known to this server.");
            await access.RequireAsync(stored.RoomId, origin, ct);
            var visible = await visibility.VisibleAsync(origin, [stored], ct);
            return Results.Json(FederationPdus.Transaction(cluster.Value.ServerName, clock.GetUtcNow().ToUnixTimeMilliseconds(),
                FederationPdus.FormatAll([stored], visible)));
        }).RequireFederationAuth();
}
