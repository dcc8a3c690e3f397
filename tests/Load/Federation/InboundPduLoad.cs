using System.Diagnostics;
using System.Text.Json.Nodes;
using Cluster.Shared.Identifiers;

namespace Cluster.Load.Federation;

/// <summary>
/// Inbound PDUs into one server: this tool, as another server, joins a public room of a local
/// user (make_join/send_join) and sends transactions of <c>--txn-size</c> messages, one
/// transaction in flight as a real sender keeps per destination, the next as soon as the last is
/// answered. A PDU counts as accepted once the local user's /sync shows it (checked, persisted and
/// visible). <c>--max-backlog</c> holds the sender while more than that many sent PDUs are not visible yet,
/// so the run measures what the server keeps up with rather than how long its queue grows.
/// Reports /send answer latency, PDUs/s taken by /send and PDUs/s made visible over the measured
/// window, and the latency from a PDU's /send to its arrival in /sync.
/// </summary>
internal static class InboundPduLoad
{
    public static async Task<int> RunAsync(FederationLoadOptions options)
    {
        var ct = CancellationToken.None;
        using var http = LoadHttp.Create(options.BaseUrl);
        var matrix = new MatrixHttp(http);
        var run = Guid.NewGuid().ToString("N")[..8];

        var local = await matrix.RegisterAsync($"fedin-{run}", ct);
        var serverName = ServerName.Parse(local.UserId[(local.UserId.IndexOf(':') + 1)..]);
        var roomId = (await matrix.SendAsync(HttpMethod.Post, "_matrix/client/v3/createRoom", local.Token,
            new JsonObject { ["preset"] = "public_chat", ["name"] = "federation inbound load" }, ct))["room_id"]!.GetValue<string>();
        await using var remote = await FakeRemoteServer.StartAsync();
        var federation = new SignedFederationClient(http, remote, serverName);
        Console.WriteLine($"{remote.ServerName} joins {roomId} on {serverName} ({options.BaseUrl})");
        var member = await RemoteRoomMember.JoinAsync(federation, remote, roomId, $"fedin-{run}", ct);

        var ledger = new DeliveryLedger();
        using var stop = new CancellationTokenSource();
        var watcher = new TimelineWatcher(matrix, local.UserId, local.Token, (id, at) => ledger.Seen(local.UserId, id, at));
        var watching = watcher.RunAsync(stop.Token);
        await watcher.Positioned;

        var processes = options.Processes();
        processes.RecordIdle();
        Console.WriteLine($"Sending transactions of {options.TransactionSize} PDUs for {options.Duration.TotalSeconds} s after " +
            $"{options.Warmup.TotalSeconds} s of warm-up, at most {options.MaxBacklog} PDUs not yet visible");
        var sendLatency = new Samples();
        var refusedPdus = 0;
        var failedTransactions = 0;
        long posted = 0;
        var measuring = false;
        var start = Stopwatch.GetTimestamp();
        long windowStart = 0, postedAtStart = 0, visibleAtStart = 0;
        var k = 0;
        for (var txn = 0; Stopwatch.GetElapsedTime(start) < options.Warmup + options.Duration; txn++)
        {
            while (posted - ledger.Arrivals > options.MaxBacklog)
                await Task.Delay(2, ct);
            if (!measuring && Stopwatch.GetElapsedTime(start) >= options.Warmup)
            {
                measuring = true;
                (windowStart, postedAtStart, visibleAtStart) = (Stopwatch.GetTimestamp(), posted, ledger.Arrivals);
                processes.StartWindow();
            }
            if (txn % 20 == 0)
                processes.SampleRss();
            var pdus = new JsonArray();
            var ids = new List<string>(options.TransactionSize);
            for (var i = 0; i < options.TransactionSize; i++, k++)
            {
                var id = $"{run}-{k}";
                ids.Add(id);
                pdus.Add(member.NextMessage(new JsonObject { ["msgtype"] = "m.text", ["body"] = $"inbound load {k}", ["load_id"] = id }).Json);
            }
            foreach (var id in ids)
                ledger.Sending(id, measuring, receivers: 1);
            var body = new JsonObject
            {
                ["origin"] = remote.ServerName,
                ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                ["pdus"] = pdus,
            };
            var began = Stopwatch.GetTimestamp();
            var response = await federation.SendAsync(HttpMethod.Put, $"/_matrix/federation/v1/send/{run}-{txn}", body, ct);
            if (measuring)
                sendLatency.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
            if (!response.IsSuccess)
            {
                if (++failedTransactions <= 3)
                    Console.Error.WriteLine($"/send answered {response.Status}: {response.Text}");
                foreach (var id in ids)
                    ledger.Failed(id);
                continue;
            }
            posted += ids.Count;
            refusedPdus += (response.Body?["pdus"] as JsonObject ?? []).Count(r => r.Value?["error"] is not null);
        }
        var window = Stopwatch.GetElapsedTime(windowStart);
        var (postedInWindow, visibleInWindow) = (posted - postedAtStart, ledger.Arrivals - visibleAtStart);
        processes.EndWindow();
        processes.SampleRss();
        Console.WriteLine("Waiting for the PDUs still queued on the server");
        var drainStart = Stopwatch.GetTimestamp();
        await ledger.DrainAsync(TimeSpan.FromSeconds(30));
        var drain = Stopwatch.GetElapsedTime(drainStart);
        await stop.CancelAsync();
        await watching;

        var (missing, _) = ledger.Missing();
        Console.WriteLine($"remote {remote.ServerName} -> {serverName}, room version {member.Version.Id}, transactions of {options.TransactionSize} PDUs, " +
            $"max backlog {options.MaxBacklog}, measured {window.TotalSeconds:F1} s");
        Console.WriteLine($"PDUs/s taken by /send: {postedInWindow / window.TotalSeconds:F1} ({postedInWindow} PDUs; {failedTransactions} transactions failed, {refusedPdus} PDUs refused)");
        Console.WriteLine($"PDUs/s persisted and visible in /sync: {visibleInWindow / window.TotalSeconds:F1} ({visibleInWindow} PDUs)");
        Console.WriteLine($"/send answer latency: {sendLatency.Describe()}");
        Console.WriteLine($"/send to visible in /sync: {ledger.Latency.Describe()}");
        Console.WriteLine($"after the window: waited {drain.TotalSeconds:F1} s for the backlog; measured PDUs not visible after it: {missing}; " +
            $"seen twice: {ledger.Repeated}; sync errors: {watcher.Errors}");
        if (processes.Any)
            processes.Report((int)visibleInWindow);
        return failedTransactions == 0 && missing == 0 ? 0 : 1;
    }
}
