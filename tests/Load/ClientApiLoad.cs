using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Cluster.Load;

/// <summary>
/// The Client-Server mode: N users in M rooms over HTTP, each long-polling /sync, one paced loop
/// sending messages from random members. Reports send latency, send-to-sync delivery latency (to
/// every other member of the room), messages/s, and per server process RSS and CPU when --pid or
/// --pids-dir names them.
/// </summary>
internal static class ClientApiLoad
{
    public static async Task<int> RunAsync(LoadOptions options)
    {
        using var http = LoadHttp.Create(options.BaseUrl);
        var matrix = new MatrixHttp(http);
        using var stop = new CancellationTokenSource();
        var run = Guid.NewGuid().ToString("N")[..8];

        Console.WriteLine($"Registering {options.Users} users, creating {options.Rooms} rooms on {options.BaseUrl}");
        var users = new (string UserId, string Token)[options.Users];
        await Parallel.ForAsync(0, options.Users, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            users[i] = await matrix.RegisterAsync($"load-{run}-{i}", ct));

        // Users are spread over the rooms round-robin; each room's first member creates it public and the rest join.
        var members = Enumerable.Range(0, options.Rooms).Select(r => Enumerable.Range(0, options.Users).Where(u => u % options.Rooms == r).ToArray()).ToArray();
        var roomIds = new string[options.Rooms];
        await Parallel.ForAsync(0, options.Rooms, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (r, ct) =>
        {
            var creator = users[members[r][0]];
            var created = await matrix.SendAsync(HttpMethod.Post, "_matrix/client/v3/createRoom", creator.Token,
                new JsonObject { ["preset"] = "public_chat", ["name"] = $"load {r}" }, ct);
            roomIds[r] = created["room_id"]!.GetValue<string>();
            foreach (var u in members[r].Skip(1))
                await matrix.SendAsync(HttpMethod.Post, $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomIds[r])}/join", users[u].Token, new JsonObject(), ct);
        });

        // Every user long-polls; a message's arrival at each member other than its sender is one delivery sample.
        var sentAt = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var delivery = new Samples();
        // Each (member, message) should arrive once; a second arrival is a sync that repeated an event.
        var arrived = new System.Collections.Concurrent.ConcurrentDictionary<(string User, string Id), byte>();
        var repeated = 0;
        var measuring = false;
        var syncErrors = 0;
        // --no-sync measures the send path alone.
        var syncers = users.Where(_ => options.Sync).Select(user => Task.Run(async () =>
        {
            string? since = null;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var path = "_matrix/client/v3/sync?timeout=30000" + (since is null ? "&filter={\"room\":{\"timeline\":{\"limit\":1}}}" : "&since=" + Uri.EscapeDataString(since));
                    var response = await matrix.SendAsync(HttpMethod.Get, path, user.Token, null, stop.Token);
                    var now = Stopwatch.GetTimestamp();
                    var first = since is null;
                    since = response["next_batch"]!.GetValue<string>();
                    if (first || response["rooms"]?["join"] is not JsonObject joined)
                        continue;
                    foreach (var (_, room) in joined)
                        foreach (var e in room?["timeline"]?["events"]?.AsArray() ?? [])
                            if (e?["content"]?["load_id"]?.GetValue<string>() is { } id && e["sender"]?.GetValue<string>() != user.UserId)
                            {
                                if (!arrived.TryAdd((user.UserId, id), 0))
                                    Interlocked.Increment(ref repeated);
                                else if (measuring && sentAt.TryGetValue(id, out var at))
                                    delivery.Add(Stopwatch.GetElapsedTime(at, now).TotalMilliseconds);
                            }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    if (Interlocked.Increment(ref syncErrors) <= 3)
                        Console.Error.WriteLine($"sync failed for {user.UserId}: {e.Message}");
                    await Task.Delay(500);
                }
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(2));
        var processes = ProcessSampler.From(options);
        processes.RecordIdle();
        Console.WriteLine($"Sending {options.MessagesPerSecond}/s for {options.Duration.TotalSeconds} s after {options.Warmup.TotalSeconds} s of warm-up");
        var send = new Samples();
        var sendErrors = 0;
        var sent = 0;
        var random = new Random(42);
        var start = Stopwatch.GetTimestamp();
        var total = (int)(options.MessagesPerSecond * (options.Warmup + options.Duration).TotalSeconds);
        var inFlight = new List<Task>();
        for (var k = 0; k < total; k++)
        {
            var due = start + (long)(k / options.MessagesPerSecond * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait);
            if (!measuring && Stopwatch.GetElapsedTime(start) >= options.Warmup)
            {
                measuring = true;
                start = Stopwatch.GetTimestamp() - (long)(k / options.MessagesPerSecond * Stopwatch.Frequency);
                Interlocked.Exchange(ref sent, 0);
                processes.StartWindow();
            }
            if (k % 200 == 0)
                processes.SampleRss();
            var r = random.Next(options.Rooms);
            var sender = users[members[r][random.Next(members[r].Length)]];
            var id = $"{run}-{k}";
            var record = measuring;
            inFlight.Add(Task.Run(async () =>
            {
                var began = Stopwatch.GetTimestamp();
                sentAt[id] = began;
                try
                {
                    await matrix.SendAsync(HttpMethod.Put,
                        $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomIds[r])}/send/m.room.message/{id}", sender.Token,
                        new JsonObject { ["msgtype"] = "m.text", ["body"] = $"load message {k}", ["load_id"] = id }, CancellationToken.None);
                    if (record)
                    {
                        send.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
                        Interlocked.Increment(ref sent);
                    }
                }
                catch (Exception e)
                {
                    if (Interlocked.Increment(ref sendErrors) <= 3)
                        Console.Error.WriteLine($"send failed: {e.Message}");
                }
            }));
        }
        await Task.WhenAll(inFlight);
        var elapsed = Stopwatch.GetElapsedTime(start) - options.Warmup;
        await Task.Delay(TimeSpan.FromSeconds(2));
        processes.EndWindow();
        processes.SampleRss();
        stop.Cancel();
        await Task.WhenAll(syncers);

        Console.WriteLine($"users {options.Users}, rooms {options.Rooms}, target {options.MessagesPerSecond} msg/s, measured {options.Duration.TotalSeconds} s");
        Console.WriteLine($"messages/s achieved: {sent / Math.Max(1, elapsed.TotalSeconds):F1} ({sent} sent, {sendErrors} send errors, {syncErrors} sync errors)");
        Console.WriteLine($"send latency: {send.Describe()}");
        Console.WriteLine($"requests refused with 429 and retried: {matrix.RateLimited}");
        Console.WriteLine($"send-to-sync delivery latency: {delivery.Describe()}");
        Console.WriteLine($"events a member's /sync delivered more than once: {repeated}");
        if (processes.Any)
            processes.Report(sent);
        return sendErrors == 0 ? 0 : 1;
    }
}
