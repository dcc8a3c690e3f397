using Cluster.Shared.Federation.Keys;

namespace Cluster.Workers.FederationReader.Keys;

/// <summary><c>GET /_matrix/key/v2/server</c>: this server's keys, signed by itself; no authentication.</summary>
public static class KeyEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(ServerKeyRing.KeyServerPath, async (HttpContext context, LocalServerKeys keys) =>
            Results.Json(await keys.DocumentAsync(context.RequestAborted)));
}
