using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.FederationReader.Authentication;

namespace Cluster.Workers.FederationReader.Rooms;

/// <summary>
/// <c>POST /_matrix/federation/v1/get_missing_events/{roomId}</c>: a breadth-first walk of the
/// prev_events of <c>latest_events</c> (which are not returned themselves) that does not enter
/// <c>earliest_events</c> or events below <c>min_depth</c>, at most <c>limit</c> events (default 10,
/// capped at <see cref="MaxLimit"/> as Synapse caps it), returned oldest first. Rejected events are
/// left out; events the server may not see come redacted.
/// </summary>
public static class MissingEventsEndpoint
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 20;

    // Rejected events are walked through but not served: read a little past the limit to make up for them.
    private const int WalkSlack = 20;

    // More event IDs than this in one list is not a request any server needs to make.
    private const int MaxListedEvents = 1_000;

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/_matrix/federation/v1/get_missing_events/{roomId}", async (
            HttpContext context, FederationRoomAccess access, EventGraphStore graph, EventStore events, ServerEventVisibility visibility) =>
        {
            var ct = context.RequestAborted;
            var requester = context.FederationRequester();
            var roomId = FederationRoomParams.RoomIdFromPath(context);
            var body = requester.Content ?? throw MatrixException.NotJson("The request needs a JSON body.");
            var earliest = EventIds(body, "earliest_events");
            var latest = EventIds(body, "latest_events");
            var limit = body.OptionalInteger("limit") ?? DefaultLimit;
            if (limit < 0)
                throw MatrixException.InvalidParam("limit must not be negative.");
            var minDepth = body.OptionalInteger("min_depth") ?? 0;
            await access.RequireAsync(roomId, requester.Origin, ct);

            var wanted = (int)Math.Min(limit, MaxLimit);
            var walked = wanted == 0
                ? []
                : await graph.WalkPrevEventsAsync(roomId, latest, earliest, minDepth, latest.Count + wanted + WalkSlack, ct);
            var latestSet = latest.ToHashSet(StringComparer.Ordinal);
            var found = await events.GetEventsAsync([.. walked.Where(id => !latestSet.Contains(id))], ct);
            var served = walked.Select(found.GetValueOrDefault).OfType<StoredEvent>()
                .Where(e => e.RejectionReason is null)
                .Take(wanted)
                .OrderBy(e => e.TopologicalOrdering).ThenBy(e => e.StreamOrdering)
                .ToList();
            var visible = await visibility.VisibleAsync(requester.Origin, served, ct);
            return Results.Json(new JsonObject { ["events"] = FederationPdus.FormatAll(served, visible) });
        }).RequireFederationAuth();

    /// <summary>
    /// A required array of event IDs: 400 M_MISSING_PARAM when absent, M_BAD_JSON when not an array of
    /// strings, M_INVALID_PARAM for a string that is no event ID.
    /// </summary>
    private static IReadOnlyList<string> EventIds(JsonObject body, string name)
    {
        var array = body.OptionalArray(name) ?? throw MatrixException.MissingParam($"'{name}' is required.");
        if (array.Count > MaxListedEvents)
            throw MatrixException.InvalidParam($"'{name}' lists more than {MaxListedEvents} events.");
        var ids = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
                throw MatrixException.BadJson($"'{name}' must be an array of event IDs.");
            ids.Add(RequestValues.EventId(value.GetValue<string>()).ToString());
        }
        return ids;
    }
}
