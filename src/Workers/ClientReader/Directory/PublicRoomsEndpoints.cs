using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Directory;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.ClientReader.Directory;

/// <summary>
/// <c>GET</c> and <c>POST /publicRooms</c> of the client API: this server's room directory
/// (<see cref="PublicRoomsListing"/>).
/// </summary>
internal static class PublicRoomsEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        // The spec lets servers require authentication for the GET form; ours does not.
        app.MapClientGet("publicRooms", async (HttpContext context, RoomDirectoryStore store, IOptions<ClusterOptions> options) =>
        {
            var query = context.Request.Query;
            CheckServer(query["server"], options.Value.ServerName);
            var limit = PublicRoomsListing.ParseLimit(query["limit"].ToString());
            return await PublicRoomsListing.ListAsync(store, limit, query["since"].ToString(), null, context.RequestAborted);
        });

        app.MapClientPost("publicRooms", async (HttpContext context, RoomDirectoryStore store, IOptions<ClusterOptions> options) =>
        {
            CheckServer(context.Request.Query["server"], options.Value.ServerName);
            var body = await RequestBody.ReadObjectAsync(context, emptyIsEmptyObject: true);
            var (limit, since, term) = PublicRoomsListing.ParseBody(body);
            return await PublicRoomsListing.ListAsync(store, limit, since, term, context.RequestAborted);
        }).RequireAccessToken();
    }

    // Federation is not built yet: another server's directory cannot be fetched.
    private static void CheckServer(string? server, string ownServerName)
    {
        if (!string.IsNullOrEmpty(server) && server != ownServerName)
            throw MatrixException.NotFound($"Reading the room directory of {server} needs federation, which this server does not do yet");
    }
}
