using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Accounts;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>
/// <c>POST /logout</c> and <c>POST /logout/all</c>. Logging out deletes the device, as the spec
/// asks, and with it every token the device holds; the next request with one is 401.
/// </summary>
internal static class SessionEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapClientPost("logout", async (HttpContext context, DeviceStore devices) =>
        {
            var requester = context.Requester();
            await devices.DeleteAsync(requester.User, [requester.DeviceId], context.RequestAborted);
            return Results.Json(new JsonObject());
        }).RequireAccessToken();

        app.MapClientPost("logout/all", async (HttpContext context, DeviceStore devices) =>
        {
            await devices.DeleteAllAsync(context.Requester().User, keepDeviceId: null, context.RequestAborted);
            return Results.Json(new JsonObject());
        }).RequireAccessToken();
    }
}
