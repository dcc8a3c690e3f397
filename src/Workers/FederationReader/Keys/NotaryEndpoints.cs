using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Federation;
using Cluster.Shared.Federation.Keys;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Keys;

/// <summary>
/// The notary (<c>POST /_matrix/key/v2/query</c>, <c>GET /_matrix/key/v2/query/{serverName}</c>):
/// other servers' key responses as they signed them, with this server's signature added.
/// Unauthenticated, as the spec has it.
/// </summary>
public static class NotaryEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/_matrix/key/v2/query", async (HttpContext context, Notary notary, IOptions<FederationOptions> options) =>
        {
            var body = await RequestBody.ReadObjectAsync(context);
            if (body["server_keys"] is not JsonObject servers)
                throw MatrixException.BadJson("server_keys must be an object of server names.");
            if (servers.Count > options.Value.MaxNotaryServers)
                throw MatrixException.InvalidParam($"At most {options.Value.MaxNotaryServers} servers may be queried at once.");
            var queries = new List<NotaryQuery>();
            foreach (var (name, criteria) in servers)
            {
                if (!ServerName.TryParse(name, out var server))
                    throw MatrixException.InvalidParam($"'{name}' is not a server name.");
                if (criteria is not JsonObject keys)
                    throw MatrixException.BadJson($"server_keys.{name} must be an object of key IDs.");
                long? minimum = null;
                foreach (var (keyId, keyCriteria) in keys)
                {
                    if (keyCriteria is null) continue;
                    if (keyCriteria is not JsonObject kc)
                        throw MatrixException.BadJson($"server_keys.{name}.{keyId} must be an object.");
                    if (kc["minimum_valid_until_ts"] is { } m)
                    {
                        var ts = ReadTimestamp(m, $"server_keys.{name}.{keyId}.minimum_valid_until_ts");
                        minimum = minimum is null ? ts : Math.Max(minimum.Value, ts);
                    }
                }
                queries.Add(new NotaryQuery(server, [.. keys.Select(k => k.Key)], minimum));
            }
            var results = await notary.QueryAsync(queries, context.RequestAborted);
            return Results.Json(new JsonObject { ["server_keys"] = new JsonArray([.. results]) });
        });

        endpoints.MapGet("/_matrix/key/v2/query/{serverName}", async (HttpContext context, string serverName, Notary notary) =>
        {
            if (!ServerName.TryParse(serverName, out var server))
                throw MatrixException.InvalidParam($"'{serverName}' is not a server name.");
            long? minimum = null;
            if (context.Request.Query.TryGetValue("minimum_valid_until_ts", out var values))
            {
                if (values.Count != 1 || !long.TryParse(values[0], out var ts) || ts < 0)
                    throw MatrixException.InvalidParam("minimum_valid_until_ts must be a timestamp in milliseconds.");
                minimum = ts;
            }
            var results = await notary.QueryAsync([new NotaryQuery(server, [], minimum)], context.RequestAborted);
            return Results.Json(new JsonObject { ["server_keys"] = new JsonArray([.. results]) });
        });
    }

    private static long ReadTimestamp(JsonNode node, string name) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var ts) && ts >= 0
            ? ts
            : throw MatrixException.BadJson($"{name} must be an integer timestamp.");
}
