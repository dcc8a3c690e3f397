using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.RoomVersions;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>Where clients find this server: <c>Cluster:PublicBaseUrl</c>, the base URL clients should use.</summary>
public sealed class DiscoveryOptions
{
    public const string Section = "Cluster";

    /// <summary>For example <c>https://matrix.example.org</c>; unset means the URL the request came in on.</summary>
    public string? PublicBaseUrl { get; set; }
}

/// <summary><c>GET /.well-known/matrix/client</c> and <c>GET /capabilities</c>.</summary>
internal static class DiscoveryEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/matrix/client", (HttpContext context, IOptionsMonitor<DiscoveryOptions> options) =>
        {
            var baseUrl = options.CurrentValue.PublicBaseUrl is { Length: > 0 } configured
                ? configured.TrimEnd('/')
                : $"{context.Request.Scheme}://{context.Request.Host}";
            return Results.Json(new JsonObject { ["m.homeserver"] = new JsonObject { ["base_url"] = baseUrl } });
        });

        app.ClientV3().MapGet("capabilities", () => Results.Json(new JsonObject { ["capabilities"] = Capabilities() }))
            .RequireAccessToken();
    }

    private static JsonObject Capabilities() => new()
    {
        ["m.change_password"] = Enabled(true),
        ["m.room_versions"] = new JsonObject
        {
            ["default"] = RoomVersions.Default.Id,
            ["available"] = AvailableRoomVersions(),
        },
        ["m.set_displayname"] = Enabled(true),
        ["m.set_avatar_url"] = Enabled(true),
        ["m.3pid_changes"] = Enabled(false),
        ["m.get_login_token"] = Enabled(false),
    };

    /// <summary>
    /// Every version the event core handles fully. Room version 1 needs state resolution v1,
    /// which is not built, so it is left out rather than offered and then failed.
    /// </summary>
    private static JsonObject AvailableRoomVersions()
    {
        var available = new JsonObject();
        foreach (var version in RoomVersions.All.Where(v => v.StateResolution != StateResolutionAlgorithm.V1))
            available[version.Id] = version.Stable ? "stable" : "unstable";
        return available;
    }

    private static JsonObject Enabled(bool enabled) => new() { ["enabled"] = enabled };
}
