using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Json;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.ClientReader.Filters;

/// <summary><c>POST /user/{userId}/filter</c> and <c>GET /user/{userId}/filter/{filterId}</c> (spec: "Filtering").</summary>
internal static class FilterEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapPost("user/{userId}/filter", async (HttpContext context, string userId, FilterStore store) =>
        {
            var user = RequestIds.RequireSelf(context, userId, "create filters");
            var bytes = await RequestBody.ReadBytesAsync(context);
            if (bytes.Length > FilterParser.MaxFilterBytes)
                throw MatrixException.TooLarge($"Filters are limited to {FilterParser.MaxFilterBytes} bytes.");
            var json = StrictJson.ParseObject(bytes);
            // Checked now, so that a stored filter always parses when /sync uses it.
            FilterParser.Parse(json);
            var id = await store.AddAsync(user.ToString(), CanonicalJson.Encode(json), context.RequestAborted);
            return Results.Json(new JsonObject { ["filter_id"] = id });
        }).RequireAccessToken();

        app.ClientV3().MapGet("user/{userId}/filter/{filterId}", async (HttpContext context, string userId, string filterId, FilterStore store) =>
        {
            var user = RequestIds.RequireSelf(context, userId, "get filters");
            var filter = await store.GetAsync(user.ToString(), filterId, context.RequestAborted)
                ?? throw MatrixException.NotFound("No such filter.");
            return Results.Bytes(filter, "application/json");
        }).RequireAccessToken();
    }
}
