using System.Text.Json.Nodes;
using Cluster.Shared.Storage.Directory;
using Cluster.Workers.ClientReader.Directory;
using Cluster.Workers.FederationReader.Authentication;

namespace Cluster.Workers.FederationReader.Directory;

/// <summary>
/// <c>GET</c> and <c>POST /_matrix/federation/v1/publicRooms</c>: this server's room directory for
/// another server's users, the same listing local clients get. Authenticated with X-Matrix.
/// Third-party networks are not supported: <c>include_all_networks</c> and
/// <c>third_party_instance_id</c> are accepted and list this server's rooms only.
/// </summary>
public static class PublicRoomsFederationEndpoint
{
    private const string Path = "/_matrix/federation/v1/publicRooms";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, async (HttpContext context, RoomDirectoryStore store) =>
        {
            var query = context.Request.Query;
            var limit = PublicRoomsListing.ParseLimit(query["limit"].ToString());
            return await PublicRoomsListing.ListAsync(store, limit, query["since"].ToString(), null, context.RequestAborted);
        }).RequireFederationAuth();

        endpoints.MapPost(Path, async (HttpContext context, RoomDirectoryStore store) =>
        {
            var (limit, since, term) = PublicRoomsListing.ParseBody(context.FederationRequester().Content ?? new JsonObject());
            return await PublicRoomsListing.ListAsync(store, limit, since, term, context.RequestAborted);
        }).RequireFederationAuth();
    }
}
