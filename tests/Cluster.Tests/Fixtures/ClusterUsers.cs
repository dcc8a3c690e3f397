using System.Net;
using Cluster.ClientApi.Tests.Fixtures;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Cluster.ClusterTests.Fixtures;

/// <summary>A user registered through a client reader of the cluster.</summary>
public sealed record ClusterUser(string UserId, string DeviceId, string AccessToken, string Password);

public static class ClusterUsers
{
    /// <summary>Registers through <paramref name="clientReader"/>'s public port (m.login.dummy); random localpart when null.</summary>
    public static async Task<ClusterUser> RegisterUserAsync(this LocalCluster cluster, string clientReader = "client-reader-1", string? localpart = null)
    {
        localpart ??= "user-" + RandomNumberGenerator.GetHexString(12, lowercase: true);
        var password = "pw-" + RandomNumberGenerator.GetHexString(16, lowercase: true);
        using var anonymous = cluster.Client(clientReader);
        var body = new JsonObject { ["username"] = localpart, ["password"] = password };
        var challenge = await anonymous.PostAsync("/_matrix/client/v3/register", body);
        if (challenge.Status != HttpStatusCode.Unauthorized)
            Assert.Fail($"Registering {localpart}: expected the 401 auth challenge, got {(int)challenge.Status}: {challenge.Body?.ToJsonString()}");
        body["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = challenge.Object["session"]!.GetValue<string>() };
        var registered = (await anonymous.PostAsync("/_matrix/client/v3/register", body)).Ok();
        return new ClusterUser(
            registered["user_id"]!.GetValue<string>(),
            registered["device_id"]!.GetValue<string>(),
            registered["access_token"]!.GetValue<string>(),
            password);
    }

    public static MatrixTestClient Client(this LocalCluster cluster, string instance, ClusterUser user) =>
        cluster.Client(instance, user.AccessToken);
}
