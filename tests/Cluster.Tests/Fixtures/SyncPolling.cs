using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClusterTests.Fixtures;

public static class SyncPolling
{
    /// <summary>The next_batch of an initial /sync.</summary>
    public static async Task<string> SyncTokenAsync(this MatrixTestClient sync) =>
        (await sync.GetAsync("/_matrix/client/v3/sync?timeout=0")).Ok()["next_batch"]!.GetValue<string>();

    /// <summary>
    /// Long-polls /sync from <paramref name="since"/> until a response satisfies <paramref name="found"/>;
    /// fails the test after <paramref name="limit"/> (default 20 s): what crosses processes goes over Redis, which takes a moment.
    /// </summary>
    public static async Task<JsonObject> SyncUntilAsync(
        this MatrixTestClient sync, string since, Func<JsonObject, bool> found, string? extraQuery = null, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            var body = (await sync.GetAsync($"/_matrix/client/v3/sync?timeout=2000&since={Uri.EscapeDataString(since)}{extraQuery}")).Ok();
            if (found(body))
                return body;
            since = body["next_batch"]!.GetValue<string>();
        }
        Assert.Fail($"/sync did not deliver what was expected within {(limit ?? TimeSpan.FromSeconds(20)).TotalSeconds} s");
        throw new InvalidOperationException("unreachable");
    }

    public static JsonArray Timeline(this JsonObject sync, string roomId) =>
        sync["rooms"]?["join"]?[roomId]?["timeline"]?["events"] as JsonArray ?? [];

    public static bool HasEvent(this JsonArray events, string eventId) =>
        events.Any(e => e?["event_id"]?.GetValue<string>() == eventId);
}
