using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Cluster.Load.Federation;

/// <summary>
/// Delivery across two real servers: <c>--users</c> users on A (<c>--url</c>) and as many on B
/// (<c>--remote-url</c>), spread over <c>--rooms</c> public rooms created on A that B's users join
/// through A. B's users long-poll /sync; one paced loop sends <c>--rate</c> messages a second from
/// A's members. Each message's arrival in the /sync of each B member of its room is one delivery:
/// reports its latency from the send on A, and the deliveries that never came.
/// </summary>
internal static class CrossServerLatency
{
    public static async Task<int> RunAsync(FederationLoadOptions options)
    {
        var ct = CancellationToken.None;
        using var httpA = LoadHttp.Create(options.BaseUrl);
        using var httpB = LoadHttp.Create(options.OtherUrl!);
        var (a, b) = (new MatrixHttp(httpA), new MatrixHttp(httpB));
        var run = Guid.NewGuid().ToString("N")[..8];

        Console.WriteLine($"Registering {options.Users} users on A ({options.BaseUrl}) and on B ({options.OtherUrl}), {options.Rooms} rooms on A");
        var usersA = new (string UserId, string Token)[options.Users];
        var usersB = new (string UserId, string Token)[options.Users];
        await Parallel.ForAsync(0, options.Users, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, token) =>
        {
            usersA[i] = await a.RegisterAsync($"fedlat-a-{run}-{i}", token);
            usersB[i] = await b.RegisterAsync($"fedlat-b-{run}-{i}", token);
        });
        var serverA = usersA[0].UserId[(usersA[0].UserId.IndexOf(':') + 1)..];
        var members = Enumerable.Range(0, options.Rooms).Select(r => Enumerable.Range(0, options.Users).Where(u => u % options.Rooms == r).ToArray()).ToArray();
        var roomIds = new string[options.Rooms];
        for (var r = 0; r < options.Rooms; r++)
        {
            var room = members[r];
            roomIds[r] = (await a.SendAsync(HttpMethod.Post, "_matrix/client/v3/createRoom", usersA[room[0]].Token,
                new JsonObject { ["preset"] = "public_chat", ["name"] = $"federation latency {r}" }, ct))["room_id"]!.GetValue<string>();
            var escaped = Uri.EscapeDataString(roomIds[r]);
            foreach (var u in room.Skip(1))
                await a.SendAsync(HttpMethod.Post, $"_matrix/client/v3/rooms/{escaped}/join", usersA[u].Token, new JsonObject(), ct);
            // Through A: B joins a room it does not know yet with make_join/send_join.
            foreach (var u in room)
                await b.SendAsync(HttpMethod.Post, $"_matrix/client/v3/join/{escaped}?server_name={Uri.EscapeDataString(serverA)}",
                    usersB[u].Token, new JsonObject(), ct);
            await WaitForMembersAsync(a, usersA[room[0]].Token, roomIds[r], 2 * room.Length);
        }

        var ledger = new DeliveryLedger();
        using var stop = new CancellationTokenSource();
        var watchers = usersB.Select(user => new TimelineWatcher(b, user.UserId, user.Token, (id, at) => ledger.Seen(user.UserId, id, at))).ToArray();
        var watching = watchers.Select(w => w.RunAsync(stop.Token)).ToArray();
        await Task.WhenAll(watchers.Select(w => w.Positioned));

        var processes = options.Processes();
        processes.RecordIdle();
        Console.WriteLine($"Sending {options.MessagesPerSecond}/s on A for {options.Duration.TotalSeconds} s after {options.Warmup.TotalSeconds} s of warm-up");
        var send = new Samples();
        var sendErrors = 0;
        var sent = 0;
        var measuring = false;
        var random = new Random(42);
        var start = Stopwatch.GetTimestamp();
        var total = (int)(options.MessagesPerSecond * (options.Warmup + options.Duration).TotalSeconds);
        var inFlight = new List<Task>();
        for (var k = 0; k < total; k++)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start + (long)(k / options.MessagesPerSecond * Stopwatch.Frequency));
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, ct);
            if (!measuring && Stopwatch.GetElapsedTime(start) >= options.Warmup)
            {
                measuring = true;
                start = Stopwatch.GetTimestamp() - (long)(k / options.MessagesPerSecond * Stopwatch.Frequency);
                processes.StartWindow();
            }
            if (k % 200 == 0)
                processes.SampleRss();
            var r = random.Next(options.Rooms);
            var sender = usersA[members[r][random.Next(members[r].Length)]];
            var id = $"{run}-{k}";
            var record = measuring;
            ledger.Sending(id, record, receivers: members[r].Length);
            inFlight.Add(Task.Run(async () =>
            {
                var began = Stopwatch.GetTimestamp();
                try
                {
                    await a.SendAsync(HttpMethod.Put, $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomIds[r])}/send/m.room.message/{id}",
                        sender.Token, new JsonObject { ["msgtype"] = "m.text", ["body"] = $"federation load {k}", ["load_id"] = id }, ct);
                    if (record)
                    {
                        send.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
                        Interlocked.Increment(ref sent);
                    }
                }
                catch (HttpRequestException e)
                {
                    ledger.Failed(id);
                    if (Interlocked.Increment(ref sendErrors) <= 3)
                        Console.Error.WriteLine($"send failed: {e.Message}");
                }
            }, ct));
        }
        await Task.WhenAll(inFlight);
        var elapsed = Stopwatch.GetElapsedTime(start) - options.Warmup;
        Console.WriteLine("Waiting for the deliveries still on their way");
        await ledger.DrainAsync(TimeSpan.FromSeconds(30));
        processes.EndWindow();
        processes.SampleRss();
        await stop.CancelAsync();
        await Task.WhenAll(watching);

        var (missingDeliveries, missingMessages) = ledger.Missing();
        Console.WriteLine($"A {serverA} -> B, {options.Users} users on each in {options.Rooms} rooms, target {options.MessagesPerSecond} msg/s, measured {options.Duration.TotalSeconds} s");
        Console.WriteLine($"messages/s achieved on A: {sent / Math.Max(1, elapsed.TotalSeconds):F1} ({sent} sent, {sendErrors} send errors, {watchers.Sum(w => w.Errors)} sync errors on B)");
        Console.WriteLine($"send latency on A: {send.Describe()}");
        Console.WriteLine($"send on A to /sync on B: {ledger.Latency.Describe()}");
        Console.WriteLine($"lost: {missingDeliveries} deliveries of {missingMessages} measured messages never reached B's /sync; seen twice: {ledger.Repeated}");
        if (processes.Any)
            processes.Report(sent);
        return sendErrors == 0 && missingDeliveries == 0 ? 0 : 1;
    }

    private static async Task WaitForMembersAsync(MatrixHttp a, string token, string roomId, int count)
    {
        var deadline = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
        while (true)
        {
            var joined = (await a.SendAsync(HttpMethod.Get, $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/joined_members", token, null,
                CancellationToken.None))["joined"] as JsonObject;
            if (joined?.Count >= count)
                return;
            if (Stopwatch.GetTimestamp() > deadline)
                throw new TimeoutException($"{roomId} on A lists {joined?.Count} members, not {count}");
            await Task.Delay(200);
        }
    }
}
