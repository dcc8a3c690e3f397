using System.Net;
using System.Text.Json.Nodes;

namespace Cluster.Integration.Tests.StreamWrites;

/// <summary>A user registered on the cluster, who can talk to any instance with their token.</summary>
internal sealed record ClusterUser(string UserId, string DeviceId, string AccessToken, StreamWritesCluster Cluster)
{
    public string Path => Uri.EscapeDataString(UserId);

    /// <summary>This user's client of <paramref name="instance"/>.</summary>
    public MatrixClient On(string instance) => Cluster.Client(instance, AccessToken);

    public static async Task<ClusterUser> RegisterAsync(StreamWritesCluster cluster, string instance)
    {
        using var anonymous = cluster.Client(instance);
        var body = new JsonObject { ["username"] = "u" + Guid.NewGuid().ToString("N")[..12], ["password"] = Guid.NewGuid().ToString("N") };
        var challenge = await anonymous.PostAsync(MatrixClient.V3 + "/register", body);
        Assert.That(challenge.Status, Is.EqualTo(HttpStatusCode.Unauthorized), challenge.Body?.ToJsonString());
        body["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = challenge.Body!["session"]!.GetValue<string>() };
        var registered = (await anonymous.PostAsync(MatrixClient.V3 + "/register", body)).Ok();
        return new ClusterUser(
            registered["user_id"]!.GetValue<string>(), registered["device_id"]!.GetValue<string>(),
            registered["access_token"]!.GetValue<string>(), cluster);
    }

    public async Task<JsonObject> SyncAsync(string instance, string? since = null, int timeoutMs = 0)
    {
        using var client = On(instance);
        var query = $"timeout={timeoutMs}" + (since is null ? "" : "&since=" + Uri.EscapeDataString(since));
        return (await client.GetAsync(MatrixClient.V3 + "/sync?" + query)).Ok();
    }
}
