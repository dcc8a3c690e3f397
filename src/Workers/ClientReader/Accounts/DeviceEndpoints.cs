using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Accounts;
using Cluster.Workers.Host;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>
/// <c>GET /devices</c>, <c>GET/PUT/DELETE /devices/{deviceId}</c> and <c>POST /delete_devices</c>.
/// Deleting needs the user's password again (user-interactive auth) and revokes the devices'
/// tokens.
/// </summary>
internal static class DeviceEndpoints
{
    /// <summary>More device IDs than anyone has in one request is an attempt to make the server work.</summary>
    public const int MaxDevicesPerDelete = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapGet("devices", async (HttpContext context, DeviceStore devices) =>
        {
            var list = await devices.ListAsync(context.Requester().User, context.RequestAborted);
            return Results.Json(new JsonObject { ["devices"] = new JsonArray(list.Select(d => (JsonNode)ToJson(d)).ToArray()) });
        }).RequireAccessToken();

        app.ClientV3().MapGet("devices/{deviceId}", async (HttpContext context, DeviceStore devices) =>
        {
            var device = await devices.GetAsync(context.Requester().User, PathDeviceId(context), context.RequestAborted)
                ?? throw MatrixException.NotFound("No such device");
            return Results.Json(ToJson(device));
        }).RequireAccessToken();

        app.ClientV3().MapPut("devices/{deviceId}", async (HttpContext context, DeviceStore devices) =>
        {
            var body = await RequestBody.ReadObjectAsync(context);
            var name = body.OptionalString("display_name").Limit("display_name", DeviceStore.MaxDisplayNameLength);
            var found = await devices.SetDisplayNameAsync(context.Requester().User, PathDeviceId(context), name, context.RequestAborted);
            return found ? Results.Json(new JsonObject()) : throw MatrixException.NotFound("No such device");
        }).RequireAccessToken();

        app.ClientV3().MapDelete("devices/{deviceId}", async (HttpContext context, DeviceStore devices, UserInteractiveAuth uia, AccessTokenRevocations revocations) =>
        {
            var deviceId = PathDeviceId(context);
            var body = await RequestBody.ReadObjectAsync(context, emptyIsEmptyObject: true);
            await DeleteAsync(context, devices, uia, revocations, body, [deviceId]);
            return Results.Json(new JsonObject());
        }).RequireAccessToken().WithUserInteractiveAuth();

        app.ClientV3().MapPost("delete_devices", async (HttpContext context, DeviceStore devices, UserInteractiveAuth uia, AccessTokenRevocations revocations) =>
        {
            var body = await RequestBody.ReadObjectAsync(context);
            await DeleteAsync(context, devices, uia, revocations, body, ReadDeviceList(body));
            return Results.Json(new JsonObject());
        }).RequireAccessToken().WithUserInteractiveAuth();
    }

    private static async Task DeleteAsync(
        HttpContext context, DeviceStore devices, UserInteractiveAuth uia, AccessTokenRevocations revocations, JsonObject body,
        IReadOnlyCollection<string> deviceIds)
    {
        var ct = context.RequestAborted;
        var user = context.Requester().User;
        var session = await uia.RequireAsync(body, Reauthentication.For("delete_devices", user), ct);
        await revocations.RevokeAsync(user, token => devices.DeleteAsync(user, deviceIds, token), ct);
        await uia.FinishAsync(session, ct);
    }

    private static string[] ReadDeviceList(JsonObject body)
    {
        if (body["devices"] is not JsonArray array)
            throw body.ContainsKey("devices")
                ? MatrixException.BadJson("'devices' must be an array of strings")
                : MatrixException.MissingParam("'devices' is required");
        if (array.Count > MaxDevicesPerDelete)
            throw MatrixException.InvalidParam($"At most {MaxDevicesPerDelete} devices can be deleted at once");
        return array.Select(item => item is JsonValue value && value.GetValueKind() == JsonValueKind.String
                ? value.GetValue<string>()
                : throw MatrixException.BadJson("'devices' must be an array of strings"))
            .ToArray();
    }

    private static string PathDeviceId(HttpContext context) =>
        PathValues.Get(context, "deviceId") is { Length: > 0 and <= DeviceStore.MaxDeviceIdLength } id
            ? id
            : throw MatrixException.NotFound("No such device");

    private static JsonObject ToJson(Device device)
    {
        var json = new JsonObject { ["device_id"] = device.DeviceId };
        if (device.DisplayName is not null)
            json["display_name"] = device.DisplayName;
        if (device.LastSeenIp is not null)
            json["last_seen_ip"] = device.LastSeenIp;
        if (device.LastSeen is { } seen)
            json["last_seen_ts"] = seen.ToUnixTimeMilliseconds();
        return json;
    }
}

/// <summary>The flow for operations that ask a logged-in user to prove it is them: their password.</summary>
internal static class Reauthentication
{
    public static UiaRequirement For(string purpose, Cluster.Shared.Identifiers.UserId user) =>
        new(purpose, user, [[AuthTypes.Password]]);
}
