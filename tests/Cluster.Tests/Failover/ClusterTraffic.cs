using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClusterTests.Fixtures;

namespace Cluster.ClusterTests.Failover;

/// <summary>
/// Steady traffic through the router: members of a few rooms send messages one after another
/// and long-poll /sync. Records every acknowledged send and every event each member's /sync
/// delivered, so a test can check that nothing acknowledged was lost or delivered twice.
/// </summary>
public sealed class ClusterTraffic : IAsyncDisposable
{
    private readonly LocalCluster _cluster;
    private readonly List<(ClusterUser User, MatrixTestClient Client)> _members = [];
    private readonly List<string> _rooms = [];
    private readonly ConcurrentDictionary<string, byte> _acknowledged = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, int>> _delivered = new();
    private readonly CancellationTokenSource _stopSending = new();
    private readonly CancellationTokenSource _stopSyncing = new();
    private readonly List<Task> _loops = [];
    private int _failedSends;

    private ClusterTraffic(LocalCluster cluster) => _cluster = cluster;

    public int FailedSends => Volatile.Read(ref _failedSends);

    public int Acknowledged => _acknowledged.Count;

    /// <summary>Registers <paramref name="users"/> users, puts all of them in <paramref name="rooms"/> rooms, starts syncing and sending.</summary>
    public static async Task<ClusterTraffic> StartAsync(LocalCluster cluster, int users = 4, int rooms = 4)
    {
        var traffic = new ClusterTraffic(cluster);
        for (var i = 0; i < users; i++)
        {
            var user = await RegisterThroughRouterAsync(cluster);
            traffic._members.Add((user, new MatrixTestClient(new HttpClient { BaseAddress = cluster.RouterUri, Timeout = TimeSpan.FromSeconds(60) }, user.AccessToken)));
        }
        for (var r = 0; r < rooms; r++)
        {
            var room = await traffic._members[0].Client.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
            foreach (var (_, client) in traffic._members.Skip(1))
                (await client.PostAsync($"/_matrix/client/v3/rooms/{room}/join", new JsonObject())).Ok();
            traffic._rooms.Add(room);
        }
        foreach (var (user, client) in traffic._members)
        {
            var seen = traffic._delivered.GetOrAdd(user.UserId, _ => new ConcurrentDictionary<string, int>());
            var since = await client.SyncTokenAsync();
            traffic._loops.Add(Task.Run(() => traffic.SyncLoopAsync(client, since, seen)));
        }
        foreach (var (_, client) in traffic._members)
            traffic._loops.Add(Task.Run(() => traffic.SendLoopAsync(client)));
        return traffic;
    }

    public IReadOnlyList<string> Rooms => _rooms;

    /// <summary>Stops sending, then waits until every acknowledged event reached every member (or the limit passes).</summary>
    public async Task StopAndDrainAsync(TimeSpan limit)
    {
        await _stopSending.CancelAsync();
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline && Missing().Count > 0)
            await Task.Delay(200);
        await _stopSyncing.CancelAsync();
        await Task.WhenAll(_loops);
    }

    /// <summary>Acknowledged events some member never received, as "user: event".</summary>
    public IReadOnlyList<string> Missing() =>
        [.. from member in _delivered from e in _acknowledged.Keys where !member.Value.ContainsKey(e) select $"{member.Key}: {e}"];

    /// <summary>Events a member received more than once.</summary>
    public IReadOnlyList<string> Repeated() =>
        [.. from member in _delivered from e in member.Value where e.Value > 1 select $"{member.Key}: {e.Key} x{e.Value}"];

    private async Task SendLoopAsync(MatrixTestClient client)
    {
        var random = new Random();
        while (!_stopSending.IsCancellationRequested)
        {
            var room = _rooms[random.Next(_rooms.Count)];
            try
            {
                var response = await client.PutAsync($"/_matrix/client/v3/rooms/{room}/send/m.room.message/{Guid.NewGuid():N}",
                    new JsonObject { ["msgtype"] = "m.text", ["body"] = "traffic" });
                if (response.Status == System.Net.HttpStatusCode.OK)
                    _acknowledged[response.Object["event_id"]!.GetValue<string>()] = 0;
                else
                    Interlocked.Increment(ref _failedSends);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _failedSends);
            }
            await Task.Delay(50);
        }
    }

    private async Task SyncLoopAsync(MatrixTestClient client, string since, ConcurrentDictionary<string, int> seen)
    {
        while (!_stopSyncing.IsCancellationRequested)
        {
            try
            {
                var response = await client.GetAsync($"/_matrix/client/v3/sync?timeout=5000&since={Uri.EscapeDataString(since)}");
                if (response.Status != System.Net.HttpStatusCode.OK)
                {
                    await Task.Delay(200);
                    continue;
                }
                var body = response.Object;
                foreach (var room in _rooms)
                    foreach (var e in body.Timeline(room))
                        if (e?["type"]?.GetValue<string>() == "m.room.message")
                            seen.AddOrUpdate(e["event_id"]!.GetValue<string>(), 1, (_, n) => n + 1);
                since = body["next_batch"]!.GetValue<string>();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // The router moves the user to another reader; the same token works there.
                await Task.Delay(200);
            }
        }
    }

    private static async Task<ClusterUser> RegisterThroughRouterAsync(LocalCluster cluster)
    {
        using var anonymous = new MatrixTestClient(new HttpClient { BaseAddress = cluster.RouterUri }, null);
        var localpart = "traffic-" + Guid.NewGuid().ToString("N")[..12];
        var body = new JsonObject { ["username"] = localpart, ["password"] = "traffic-password", ["auth"] = new JsonObject { ["type"] = "m.login.dummy" } };
        var registered = (await anonymous.PostAsync("/_matrix/client/v3/register", body)).Ok();
        return new ClusterUser(registered["user_id"]!.GetValue<string>(), registered["device_id"]!.GetValue<string>(),
            registered["access_token"]!.GetValue<string>(), "traffic-password");
    }

    public async ValueTask DisposeAsync()
    {
        await _stopSending.CancelAsync();
        await _stopSyncing.CancelAsync();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (OperationCanceledException)
        {
        }
        foreach (var (_, client) in _members)
            client.Dispose();
    }
}
