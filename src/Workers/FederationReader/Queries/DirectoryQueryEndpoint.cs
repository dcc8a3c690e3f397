using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.FederationReader.Authentication;

namespace Cluster.Workers.FederationReader.Queries;

/// <summary>
/// <c>GET /_matrix/federation/v1/query/directory</c>: the room one of this server's aliases names,
/// and the servers to join it through, for another server resolving it for its users.
/// Authenticated with X-Matrix.
/// </summary>
public static class DirectoryQueryEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/_matrix/federation/v1/query/directory", async (HttpContext context, LocalAliasDirectory directory) =>
        {
            if (context.Request.Query["room_alias"] is not { Count: 1 } values || values[0] is not { Length: > 0 } text)
                throw MatrixException.MissingParam("room_alias is required.");
            var alias = RequestValues.RoomAlias(text);
            var resolved = await directory.ResolveAsync(alias, context.RequestAborted)
                ?? throw MatrixException.NotFound($"Room alias {alias} not found.");
            return Results.Json(resolved.ToJson());
        }).RequireFederationAuth();
}
