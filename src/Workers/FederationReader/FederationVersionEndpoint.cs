using System.Reflection;

namespace Cluster.Workers.FederationReader;

/// <summary><c>GET /_matrix/federation/v1/version</c>: this implementation's name and version; unauthenticated per spec.</summary>
public static class FederationVersionEndpoint
{
    public const string ImplementationName = "Cluster";

    private static readonly string Version =
        typeof(FederationVersionEndpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(FederationVersionEndpoint).Assembly.GetName().Version?.ToString() ?? "0";

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/_matrix/federation/v1/version", () => Results.Json(new
        {
            server = new { name = ImplementationName, version = Version },
        }));
}
