using System.Diagnostics;
using System.Text.Json.Nodes;
using Cluster.Shared.Identifiers;

namespace Cluster.Load.Federation;

/// <summary>
/// Outbound PDUs from one server's federation sender to one destination: this tool, as another
/// server, joins <c>--rooms</c> public rooms of local users (make_join/send_join), then
/// <c>--users</c> local users spread over the rooms send messages as fast as they can, each its
/// next as soon as the last is answered. The tool's /send endpoint counts the PDUs that arrive.
/// Reports local messages/s, PDUs/s received by the remote, PDUs per transaction, and the latency
/// from a message's client send to its arrival at the remote.
/// </summary>
internal static class OutboundPduLoad
{
    public static async Task<int> RunAsync(FederationLoadOptions options)
    {
        var ct = CancellationToken.None;
        using var http = LoadHttp.Create(options.BaseUrl);
        var matrix = new MatrixHttp(http);
        var run = Guid.NewGuid().ToString("N")[..8];

        Console.WriteLine($"Registering {options.Users} senders, creating {options.Rooms} rooms on {options.BaseUrl}");
        var users = new (string UserId, string Token)[options.Users];
        await Parallel.ForAsync(0, options.Users, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, token) =>
            users[i] = await matrix.RegisterAsync($"fedout-{run}-{i}", token));
        var serverName = ServerName.Parse(users[0].UserId[(users[0].UserId.IndexOf(':') + 1)..]);
        var roomOf = Enumerable.Range(0, options.Users).Select(u => u % options.Rooms).ToArray();
        var roomIds = new string[options.Rooms];
        for (var r = 0; r < options.Rooms; r++)
        {
            var creator = users[r];
            roomIds[r] = (await matrix.SendAsync(HttpMethod.Post, "_matrix/client/v3/createRoom", creator.Token,
                new JsonObject { ["preset"] = "public_chat", ["name"] = $"federation outbound load {r}" }, ct))["room_id"]!.GetValue<string>();
            foreach (var u in Enumerable.Range(0, options.Users).Where(u => roomOf[u] == r && u != r))
                await matrix.SendAsync(HttpMethod.Post, $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomIds[r])}/join", users[u].Token, new JsonObject(), ct);
        }

        var ledger = new DeliveryLedger();
        await using var remote = await FakeRemoteServer.StartAsync();
        remote.Received = pdus =>
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var pdu in pdus)
                if (pdu["content"]?["load_id"]?.GetValue<string>() is { } id)
                    ledger.Seen(remote.ServerName, id, now);
        };
        var federation = new SignedFederationClient(http, remote, serverName);
        Console.WriteLine($"{remote.ServerName} joins the rooms on {serverName}");
        for (var r = 0; r < options.Rooms; r++)
            await RemoteRoomMember.JoinAsync(federation, remote, roomIds[r], $"fedout-{run}", ct);

        var processes = options.Processes();
        processes.RecordIdle();
        Console.WriteLine($"{options.Users} senders send as fast as answered for {options.Duration.TotalSeconds} s after {options.Warmup.TotalSeconds} s of warm-up");
        var sendLatency = new Samples();
        var sendErrors = 0;
        long sentInWindow = 0;
        var measuring = false;
        var finished = false;
        var senders = Enumerable.Range(0, options.Users).Select(u => Task.Run(async () =>
        {
            for (var k = 0; !Volatile.Read(ref finished); k++)
            {
                var id = $"{run}-{u}-{k}";
                var measured = Volatile.Read(ref measuring);
                ledger.Sending(id, measured, receivers: 1);
                var began = Stopwatch.GetTimestamp();
                try
                {
                    await matrix.SendAsync(HttpMethod.Put,
                        $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomIds[roomOf[u]])}/send/m.room.message/{id}", users[u].Token,
                        new JsonObject { ["msgtype"] = "m.text", ["body"] = $"outbound load {k}", ["load_id"] = id }, ct);
                    if (measured)
                    {
                        sendLatency.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
                        Interlocked.Increment(ref sentInWindow);
                    }
                }
                catch (HttpRequestException e)
                {
                    ledger.Failed(id);
                    if (Interlocked.Increment(ref sendErrors) <= 3)
                        Console.Error.WriteLine($"send failed: {e.Message}");
                }
            }
        })).ToArray();

        await Task.Delay(options.Warmup, ct);
        var (windowStart, arrivedAtStart, transactionsAtStart) = (Stopwatch.GetTimestamp(), ledger.Arrivals, remote.Transactions);
        processes.StartWindow();
        Volatile.Write(ref measuring, true);
        for (var s = 0; s < options.Duration.TotalSeconds; s++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            processes.SampleRss();
        }
        Volatile.Write(ref finished, true);
        var window = Stopwatch.GetElapsedTime(windowStart);
        var (arrivedInWindow, transactionsInWindow) = (ledger.Arrivals - arrivedAtStart, remote.Transactions - transactionsAtStart);
        processes.EndWindow();
        await Task.WhenAll(senders);
        Console.WriteLine("Waiting for the PDUs still on their way");
        await ledger.DrainAsync(TimeSpan.FromSeconds(30));

        var (missing, _) = ledger.Missing();
        Console.WriteLine($"{serverName} -> remote {remote.ServerName}, {options.Users} senders in {options.Rooms} rooms, measured {window.TotalSeconds:F1} s");
        Console.WriteLine($"messages/s sent by local users: {sentInWindow / window.TotalSeconds:F1} ({sentInWindow} sent, {sendErrors} send errors)");
        Console.WriteLine($"PDUs/s received by the remote: {arrivedInWindow / window.TotalSeconds:F1} ({arrivedInWindow} PDUs in {transactionsInWindow} transactions, " +
            $"{(double)arrivedInWindow / Math.Max(1, transactionsInWindow):F1} per transaction)");
        Console.WriteLine($"client send latency: {sendLatency.Describe()}");
        Console.WriteLine($"client send to arrival at the remote: {ledger.Latency.Describe()}");
        Console.WriteLine($"measured messages that never arrived: {missing}; arrived twice: {ledger.Repeated}");
        if (processes.Any)
            processes.Report((int)arrivedInWindow);
        return sendErrors == 0 && missing == 0 ? 0 : 1;
    }
}
