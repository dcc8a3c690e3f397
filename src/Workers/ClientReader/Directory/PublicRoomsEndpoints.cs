using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Directory;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.ClientReader.Directory;

/// <summary>
/// <c>GET</c> and <c>POST /publicRooms</c> of the client API: this server's room directory
/// (<see cref="PublicRoomsListing"/>), or with <c>server</c> naming another server, that server's
/// (<see cref="RemotePublicRooms"/>).
/// </summary>
internal static class PublicRoomsEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        // The spec lets servers require authentication for the GET form; ours does for another
        // server's directory only, as Synapse does: anyone may read ours, but only users may make
        // this server send requests elsewhere.
        app.ClientV3().MapGet("publicRooms", async (
            HttpContext context, RoomDirectoryStore store, RemotePublicRooms remote, IAccessTokenValidator tokens, IOptions<ClusterOptions> options) =>
        {
            var query = context.Request.Query;
            var limit = PublicRoomsListing.ParseLimit(query["limit"].ToString());
            var since = query["since"].ToString();
            if (OtherServer(query["server"], options.Value.ServerName) is { } server)
            {
                await RequireUserAsync(context, tokens);
                return Results.Json(await remote.GetAsync(server, limit, since, context.RequestAborted));
            }
            return await PublicRoomsListing.ListAsync(store, limit, since, null, context.RequestAborted);
        });

        app.ClientV3().MapPost("publicRooms", async (HttpContext context, RoomDirectoryStore store, RemotePublicRooms remote, IOptions<ClusterOptions> options) =>
        {
            var server = OtherServer(context.Request.Query["server"], options.Value.ServerName);
            var body = await RequestBody.ReadObjectAsync(context, emptyIsEmptyObject: true);
            var (limit, since, term) = PublicRoomsListing.ParseBody(body);
            if (server is not null)
                return Results.Json(await remote.PostAsync(server.Value, RemoteBody(body, limit, since, term), context.RequestAborted));
            return await PublicRoomsListing.ListAsync(store, limit, since, term, context.RequestAborted);
        }).RequireAccessToken();
    }

    private static async Task RequireUserAsync(HttpContext context, IAccessTokenValidator tokens)
    {
        if (AccessTokenAuthentication.ReadToken(context.Request) is not { Length: > 0 } token)
            throw MatrixException.MissingToken();
        _ = await tokens.ValidateAsync(token, context.RequestAborted) ?? throw MatrixException.UnknownToken();
    }

    /// <summary>The server a <c>server</c> parameter names when it is not this one; a name that is not a server name is a 400.</summary>
    private static ServerName? OtherServer(string? server, string ownServerName)
    {
        if (string.IsNullOrEmpty(server) || server == ownServerName)
            return null;
        return ServerName.TryParse(server, out var name)
            ? name
            : throw MatrixException.InvalidParam($"'{server}' is not a server name");
    }

    /// <summary>The federation request's body: the client's checked fields, nothing else of what it sent.</summary>
    private static JsonObject RemoteBody(JsonObject client, int limit, string? since, string? term)
    {
        var body = new JsonObject { ["limit"] = limit };
        if (!string.IsNullOrEmpty(since))
            body["since"] = since;
        if (term is not null)
            body["filter"] = new JsonObject { ["generic_search_term"] = term };
        if (client["include_all_networks"] is JsonValue all && all.TryGetValue<bool>(out var includeAll))
            body["include_all_networks"] = includeAll;
        if (client["third_party_instance_id"] is JsonValue instance && instance.TryGetValue<string>(out var instanceId))
            body["third_party_instance_id"] = instanceId;
        return body;
    }
}
