using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>Runs a request behind user-interactive auth the way clients do: 401 first, then m.login.password.</summary>
internal static class PasswordAuth
{
    public static JsonObject For(TestUser user, string session, string? password = null) => new()
    {
        ["type"] = "m.login.password",
        ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user.UserId },
        ["password"] = password ?? user.Password,
        ["session"] = session,
    };

    /// <summary>Sends <paramref name="body"/> without auth (expects the 401 challenge), then with the user's password.</summary>
    public static async Task<MatrixResponse> SendAsync(TestUser user, HttpMethod method, string path, JsonObject body, string? password = null)
    {
        var challenge = await user.Client.SendAsync(method, path, body.DeepClone());
        challenge.Expect(HttpStatusCode.Unauthorized);
        Assert.That(challenge.Object["flows"]!.ToJsonString(), Does.Contain("m.login.password"));
        var authed = (JsonObject)body.DeepClone();
        authed["auth"] = For(user, challenge.Object["session"]!.GetValue<string>(), password);
        return await user.Client.SendAsync(method, path, authed);
    }
}
