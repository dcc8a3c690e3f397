using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.FederationReader.Authentication;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Rooms;

/// <summary>
/// <c>GET /_matrix/federation/v1/backfill/{roomId}?v=ID&amp;limit=N</c>: the given events and those
/// before them, walking prev_events, newest first, at most <c>limit</c> (capped at
/// <see cref="MaxLimit"/>, as Synapse caps it). <c>v</c> may be repeated or comma-separated (the spec
/// declares the comma form, servers send the repeated one). Rejected events are left out; events the
/// server may not see come redacted.
/// </summary>
public static class BackfillEndpoint
{
    public const int MaxLimit = 100;

    // Rejected events are walked through but not served: read a little past the limit to make up for them.
    private const int WalkSlack = 20;

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/_matrix/federation/v1/backfill/{roomId}", async (
            HttpContext context, FederationRoomAccess access, EventGraphStore graph, EventStore events,
            ServerEventVisibility visibility, IOptions<ClusterOptions> cluster, TimeProvider clock) =>
        {
            var ct = context.RequestAborted;
            var origin = context.FederationRequester().Origin;
            var roomId = FederationRoomParams.RoomIdFromPath(context);
            var from = StartEvents(context);
            var limitValues = context.Request.Query["limit"];
            if (limitValues.Count == 0)
                throw MatrixException.MissingParam("limit is required.");
            if (limitValues.Count > 1)
                throw MatrixException.InvalidParam("limit must be given once.");
            var limit = FederationRoomParams.Limit(limitValues[0], "limit", MaxLimit);
            await access.RequireAsync(roomId, origin, ct);

            var walked = await graph.WalkPrevEventsAsync(roomId, from, [], long.MinValue, limit == 0 ? 0 : limit + WalkSlack, ct);
            var found = await events.GetEventsAsync(walked, ct);
            var served = walked.Select(found.GetValueOrDefault).OfType<StoredEvent>()
                .Where(e => e.RejectionReason is null)
                .Take(limit)
                .OrderByDescending(e => e.TopologicalOrdering).ThenByDescending(e => e.StreamOrdering)
                .ToList();
            var visible = await visibility.VisibleAsync(origin, served, ct);
            return Results.Json(FederationPdus.Transaction(cluster.Value.ServerName, clock.GetUtcNow().ToUnixTimeMilliseconds(),
                FederationPdus.FormatAll(served, visible)));
        }).RequireFederationAuth();

    private static IReadOnlyList<string> StartEvents(HttpContext context)
    {
        var ids = context.Request.Query["v"]
            .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (ids.Count == 0)
            throw MatrixException.MissingParam("v (the events to backfill from) is required.");
        if (ids.Count > MaxLimit)
            throw MatrixException.InvalidParam($"At most {MaxLimit} events may be backfilled from.");
        return [.. ids.Select(id => RequestValues.EventId(id).ToString())];
    }
}
