using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>Logs a test user in again with their password, as a client adding a device does.</summary>
internal static class PasswordLogin
{
    /// <summary>The /login answer for <paramref name="user"/> on <paramref name="deviceId"/> (a new device when null).</summary>
    public static async Task<JsonObject> LogInAsync(Homeserver server, TestUser user, string? deviceId = null)
    {
        using var anonymous = server.NewClient();
        var body = new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user.UserId },
            ["password"] = user.Password,
        };
        if (deviceId is not null)
            body["device_id"] = deviceId;
        return (await anonymous.PostAsync("/_matrix/client/v3/login", body)).Ok();
    }
}
