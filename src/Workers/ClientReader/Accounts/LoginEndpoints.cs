using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Http.RateLimiting;
using Cluster.Shared.Storage.Accounts;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary><c>GET /login</c> (the login types offered) and <c>POST /login</c> with <c>m.login.password</c>.</summary>
internal static class LoginEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapGet("login", () => Results.Json(new JsonObject
        {
            ["flows"] = new JsonArray(new JsonObject { ["type"] = AuthTypes.Password }),
        }));
        app.ClientV3().MapPost("login", LoginAsync).RateLimited(RateLimitAction.Login);
    }

    private static async Task<IResult> LoginAsync(
        HttpContext context, PasswordAuthenticator passwords, DeviceStore devices, IOptions<ClusterOptions> cluster)
    {
        var ct = context.RequestAborted;
        var body = await RequestBody.ReadObjectAsync(context);
        var type = body.RequiredString("type");
        if (type != AuthTypes.Password)
            throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.Unknown, $"Unsupported login type '{type}'");
        var deviceId = body.OptionalString("device_id").Limit("device_id", DeviceStore.MaxDeviceIdLength);
        var deviceName = body.OptionalString("initial_device_display_name").Limit("initial_device_display_name", DeviceStore.MaxDisplayNameLength);
        if (deviceId is "")
            throw MatrixException.InvalidParam("'device_id' must not be empty");

        // Per account too: guessing one user's password from many addresses is still limited.
        if (passwords.ResolveUser(body) is { } target)
            RateLimitingEndpoints.Acquire(context, RateLimitAction.Login, "account:" + target);
        var account = await passwords.AuthenticateAsync(body, ct);
        var session = await devices.StartSessionAsync(account.UserId, deviceId, deviceName, context.Connection.RemoteIpAddress?.ToString(), ct);
        return Results.Json(new JsonObject
        {
            ["user_id"] = account.UserId.ToString(),
            ["access_token"] = session.AccessToken,
            ["device_id"] = session.DeviceId,
            ["home_server"] = cluster.Value.ServerName,
        });
    }
}
