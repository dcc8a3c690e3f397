using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Cluster.ClientApi.Tests.Fixtures;

/// <summary>A user registered through the API, with a client that carries its access token.</summary>
public sealed record TestUser(string UserId, string DeviceId, string AccessToken, string Password, MatrixTestClient Client);

public static class TestUsers
{
    /// <summary>Registers through the real API (m.login.dummy); random localpart when null.</summary>
    public static async Task<TestUser> RegisterUserAsync(this Homeserver server, string? localpart = null)
    {
        localpart ??= "user-" + RandomNumberGenerator.GetHexString(12, lowercase: true);
        var password = "pw-" + RandomNumberGenerator.GetHexString(16, lowercase: true);
        using var anonymous = server.NewClient();
        var body = new JsonObject { ["username"] = localpart, ["password"] = password };
        var challenge = await anonymous.PostAsync("/_matrix/client/v3/register", body);
        if (challenge.Status != HttpStatusCode.Unauthorized)
            Assert.Fail($"Registering {localpart}: expected the 401 auth challenge, got {(int)challenge.Status}: {challenge.Body?.ToJsonString()}");
        body["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = challenge.Object["session"]!.GetValue<string>() };
        var registered = (await anonymous.PostAsync("/_matrix/client/v3/register", body)).Ok();
        var token = registered["access_token"]!.GetValue<string>();
        return new TestUser(
            registered["user_id"]!.GetValue<string>(),
            registered["device_id"]!.GetValue<string>(),
            token,
            password,
            server.NewClient(token));
    }
}
