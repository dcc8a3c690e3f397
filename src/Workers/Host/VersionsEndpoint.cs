namespace Cluster.Workers.Host;

/// <summary><c>GET /_matrix/client/versions</c>: the spec versions this server speaks.</summary>
public static class VersionsEndpoint
{
    public static readonly string[] SupportedVersions =
        ["v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11", "v1.12"];

    public static void MapVersions(this IEndpointRouteBuilder app) =>
        app.MapGet("/_matrix/client/versions", () => Results.Json(new
        {
            versions = SupportedVersions,
            unstable_features = new Dictionary<string, bool>(),
        }));
}
