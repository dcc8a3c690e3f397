using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Accounts;
using Cluster.Workers.Host;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>
/// <c>POST /logout</c> and <c>POST /logout/all</c>. Logging out deletes the device, as the spec
/// asks, and with it every token the device holds; the next request with one is 401.
/// </summary>
internal static class SessionEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapPost("logout", async (HttpContext context, DeviceStore devices, AccessTokenRevocations revocations) =>
        {
            var requester = context.Requester();
            await revocations.RevokeAsync(requester.User,
                ct => devices.DeleteAsync(requester.User, [requester.DeviceId], ct), context.RequestAborted);
            return Results.Json(new JsonObject());
        }).RequireAccessToken();

        app.ClientV3().MapPost("logout/all", async (HttpContext context, DeviceStore devices, AccessTokenRevocations revocations) =>
        {
            var user = context.Requester().User;
            await revocations.RevokeAsync(user, ct => devices.DeleteAllAsync(user, keepDeviceId: null, ct), context.RequestAborted);
            return Results.Json(new JsonObject());
        }).RequireAccessToken();
    }
}
