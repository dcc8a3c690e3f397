using System.Text.Json.Nodes;
using Cluster.Shared.Http;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary><c>GET /account/whoami</c>: the user and device the access token stands for.</summary>
internal static class WhoAmIEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.ClientV3().MapGet("account/whoami", (HttpContext context) =>
        {
            var requester = context.Requester();
            return Results.Json(new JsonObject
            {
                ["user_id"] = requester.User.ToString(),
                ["device_id"] = requester.DeviceId,
                ["is_guest"] = false,
            });
        }).RequireAccessToken();
}
