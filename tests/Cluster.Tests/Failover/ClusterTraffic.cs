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
    // Per member, every sync response in order: what a failure report explains a missing event with.
    private readonly ConcurrentDictionary<string, ConcurrentQueue<SyncRecord>> _responses = new();
    private readonly CancellationTokenSource _stopSending = new();
    private readonly CancellationTokenSource _stopSyncing = new();
    private readonly List<Task> _syncLoops = [];
    private readonly List<Task> _sendLoops = [];
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
            var responses = traffic._responses.GetOrAdd(user.UserId, _ => new ConcurrentQueue<SyncRecord>());
            traffic._syncLoops.Add(Task.Run(() => traffic.SyncLoopAsync(client, since, seen, responses)));
        }
        foreach (var (_, client) in traffic._members)
            traffic._sendLoops.Add(Task.Run(() => traffic.SendLoopAsync(client)));
        return traffic;
    }

    public IReadOnlyList<string> Rooms => _rooms;

    /// <summary>
    /// Stops sending, waits for the sends still in flight to be answered (one may wait seconds
    /// for a persister to come back, and is acknowledged only then), then waits until every
    /// acknowledged event reached every member (or the limit passes).
    /// </summary>
    public async Task StopAndDrainAsync(TimeSpan limit)
    {
        await _stopSending.CancelAsync();
        var deadline = DateTime.UtcNow + limit;
        await Task.WhenAll(_sendLoops).WaitAsync(limit);
        while (DateTime.UtcNow < deadline && Missing().Count > 0)
            await Task.Delay(200);
        await _stopSyncing.CancelAsync();
        await Task.WhenAll(_syncLoops);
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

    /// <summary>Timelines that came back limited (events skipped, to be paginated), as "user: room".</summary>
    public IReadOnlyList<string> LimitedTimelines() =>
        [.. from member in _responses from r in member.Value from room in r.Limited select $"{member.Key}: {room}"];

    /// <summary>
    /// For each missing event: where it is in the events stream, and the responses of each member
    /// whose tokens straddle it (for a failure message).
    /// </summary>
    public async Task<string> ExplainMissingAsync()
    {
        var missing = Missing().Select(m => m[(m.IndexOf(": ", StringComparison.Ordinal) + 2)..]).Distinct().ToArray();
        if (missing.Length == 0)
            return "";
        var text = new System.Text.StringBuilder();
        await using (var connection = new Npgsql.NpgsqlConnection(_cluster.DatabaseConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(
                "SELECT event_id, room_id, stream_ordering, instance_id FROM events WHERE event_id = ANY($1)", connection);
            command.Parameters.AddWithValue(missing);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                text.AppendLine($"missing {reader.GetString(0)} in {reader.GetString(1)} at {reader.GetInt64(2)} by writer {reader.GetInt32(3)}");
        }
        foreach (var (user, responses) in _responses)
        {
            text.AppendLine($"{user}:");
            foreach (var r in responses)
                text.AppendLine($"  {r.At:HH:mm:ss.fff} {r.Since} -> {r.NextBatch} events {r.Events}{(r.Limited.Count > 0 ? " limited " + string.Join(',', r.Limited) : "")}");
        }
        return text.ToString();
    }

    private sealed record SyncRecord(DateTime At, string Since, string NextBatch, int Events, IReadOnlyList<string> Limited);

    private async Task SyncLoopAsync(MatrixTestClient client, string since, ConcurrentDictionary<string, int> seen, ConcurrentQueue<SyncRecord> responses)
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
                var events = 0;
                foreach (var room in _rooms)
                    foreach (var e in body.Timeline(room))
                        if (e?["type"]?.GetValue<string>() == "m.room.message")
                        {
                            events++;
                            seen.AddOrUpdate(e["event_id"]!.GetValue<string>(), 1, (_, n) => n + 1);
                        }
                var next = body["next_batch"]!.GetValue<string>();
                var limited = _rooms.Where(room => body["rooms"]?["join"]?[room]?["timeline"]?["limited"]?.GetValue<bool>() == true).ToArray();
                // A limited timeline skipped events (after an outage, a catch-up delivers more than
                // the timeline limit); a client fetches them with /messages, back to its token.
                foreach (var room in limited)
                    events += await FillGapAsync(client, room, body["rooms"]!["join"]![room]!["timeline"]!["prev_batch"]!.GetValue<string>(), since, seen);
                responses.Enqueue(new SyncRecord(DateTime.UtcNow, since, next, events, limited));
                since = next;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // The router moves the user to another reader; the same token works there.
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Records the room's messages from <paramref name="prevBatch"/> back to <paramref name="since"/>; returns how many.</summary>
    private static async Task<int> FillGapAsync(MatrixTestClient client, string room, string prevBatch, string since, ConcurrentDictionary<string, int> seen)
    {
        var count = 0;
        var from = prevBatch;
        while (true)
        {
            var page = (await client.GetAsync(
                $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/messages?dir=b&limit=100&from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(since)}")).Ok();
            var chunk = page["chunk"]!.AsArray();
            foreach (var e in chunk)
                if (e?["type"]?.GetValue<string>() == "m.room.message")
                {
                    count++;
                    seen.AddOrUpdate(e["event_id"]!.GetValue<string>(), 1, (_, n) => n + 1);
                }
            if (chunk.Count == 0 || page["end"]?.GetValue<string>() is not { } end)
                return count;
            from = end;
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
            await Task.WhenAll(_sendLoops.Concat(_syncLoops));
        }
        catch (OperationCanceledException)
        {
        }
        foreach (var (_, client) in _members)
            client.Dispose();
    }
}
