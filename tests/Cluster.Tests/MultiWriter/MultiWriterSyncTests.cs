using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClusterTests.Fixtures;

namespace Cluster.ClusterTests.MultiWriter;

/// <summary>
/// Incremental /sync with two writers of the events stream (two persisters, rooms on both) and
/// two sync readers, each answering from what it keeps in memory: every event reaches a member
/// exactly once, whether the member long-polls one reader or hops between them with tokens the
/// other minted (tokens that may be ahead of this reader on one writer and behind on the other).
/// </summary>
public sealed class MultiWriterSyncTests : ClusterFixture
{
    private const string Reader1 = "sync-reader-1";
    private const string Reader2 = "sync-reader-2";
    private const string Creator = "event-creator-1";
    // More than a room log keeps (RecentRoomEvents.RowsPerRoom) per room, so early tokens need PostgreSQL.
    private const int MessagesPerSender = 100;

    // Large enough that no timeline here is limited: a limited timeline skips events by design.
    private static readonly string Filter = Uri.EscapeDataString("{\"room\":{\"timeline\":{\"limit\":200}}}");

    protected override LocalClusterOptions Options => LocalClusterOptions.Standard(persisters: 2, syncReaders: 2);

    [Test]
    public async Task Every_event_of_rooms_on_both_persisters_reaches_a_member_exactly_once_through_either_reader()
    {
        var alice = await Cluster.RegisterUserAsync();
        var carol = await Cluster.RegisterUserAsync();
        var bob = await Cluster.RegisterUserAsync();
        using var aliceCreator = Cluster.Client(Creator, alice);
        using var carolCreator = Cluster.Client(Creator, carol);
        using var bobCreator = Cluster.Client(Creator, bob);
        var rooms = await RoomsOnEveryPersisterAsync(aliceCreator, perPersister: 2);
        foreach (var room in rooms)
        {
            (await carolCreator.PostAsync($"/_matrix/client/v3/rooms/{room}/join", new JsonObject())).Ok();
            (await bobCreator.PostAsync($"/_matrix/client/v3/rooms/{room}/join", new JsonObject())).Ok();
        }
        using var onReader1 = Cluster.Client(Reader1, bob);
        using var onReader2 = Cluster.Client(Reader2, bob);
        // Tokens that cover the joins on both readers.
        var start1 = await SyncUntilQuietAsync(onReader1, await onReader1.SyncTokenAsync());
        var start2 = await SyncUntilQuietAsync(onReader2, await onReader2.SyncTokenAsync());

        var sent = new ConcurrentDictionary<string, byte>();
        var oneReader = new Recorder(rooms);
        var hopping = new Recorder(rooms);
        var minted2 = new ConcurrentQueue<(string Token, HashSet<string> CoveredByThen)>();
        using var stopSyncing = new CancellationTokenSource();
        var syncs = new[]
        {
            Task.Run(() => LongPollAsync([onReader1], start1, oneReader, stopSyncing.Token)),
            // Each sync on the other reader than the last, with the token the last one minted.
            Task.Run(() => LongPollAsync([onReader1, onReader2], start1, hopping, stopSyncing.Token)),
            Task.Run(() => LongPollAsync([onReader2], start2, new Recorder(rooms, minted2), stopSyncing.Token)),
        };
        await Task.WhenAll(
            SendAsync(aliceCreator, rooms, sent, seed: 1),
            SendAsync(carolCreator, rooms, sent, seed: 2));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && (oneReader.Missing(sent.Keys).Count > 0 || hopping.Missing(sent.Keys).Count > 0))
            await Task.Delay(200);
        await stopSyncing.CancelAsync();
        await Task.WhenAll(syncs);

        Assert.That(sent, Has.Count.EqualTo(2 * MessagesPerSender));
        Assert.That(oneReader.Limited + hopping.Limited, Is.Zero, "a timeline was limited (events skipped by design)");
        Assert.That(oneReader.Missing(sent.Keys), Is.Empty, "missing on one reader");
        Assert.That(oneReader.Repeated(), Is.Empty, "repeated on one reader");
        Assert.That(hopping.Missing(sent.Keys), Is.Empty, "missing when hopping between readers");
        Assert.That(hopping.Repeated(), Is.Empty, "repeated when hopping between readers");

        // The timelines came from the readers' memory, not only from PostgreSQL.
        Assert.That(await RecentEventHitsAsync(Reader1), Is.GreaterThan(0), "timelines from memory on reader 1");
        Assert.That(await RecentEventHitsAsync(Reader2), Is.GreaterThan(0), "timelines from memory on reader 2");

        // Every token reader 2 minted, brought to reader 1 afterwards: exactly the events reader 2
        // had not delivered by then.
        foreach (var (token, covered) in minted2.Where((_, i) => i % 3 == 0))
        {
            var after = new Recorder(rooms);
            await SyncUntilQuietAsync(onReader1, token, after);
            Assert.That(after.Delivered.Keys, Is.EquivalentTo(sent.Keys.Except(covered)), $"from reader 2's token {token} on reader 1");
            Assert.That(after.Repeated(), Is.Empty, $"from reader 2's token {token} on reader 1");
        }
    }

    private async Task<double> RecentEventHitsAsync(string reader)
    {
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(Cluster.Internal(reader), "metrics"));
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("cluster_cache_hits_total{", StringComparison.Ordinal)
            && l.Contains("cache=\"sync_recent_events\"", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Creates rooms until each persister holds <paramref name="perPersister"/> of them.</summary>
    private async Task<IReadOnlyList<string>> RoomsOnEveryPersisterAsync(MatrixTestClient creator, int perPersister)
    {
        var byPersister = Cluster.Topology.PersisterShards.ToDictionary(p => p.Name, _ => new List<string>());
        for (var attempt = 0; attempt < 40 && byPersister.Values.Any(r => r.Count < perPersister); attempt++)
        {
            var room = await creator.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
            var rooms = byPersister[Cluster.Topology.PersisterOf(room).Name];
            if (rooms.Count < perPersister)
                rooms.Add(room);
        }
        Assert.That(byPersister.Values.All(r => r.Count == perPersister), "rooms on every persister");
        return [.. byPersister.Values.SelectMany(r => r)];
    }

    private static async Task SendAsync(MatrixTestClient creator, IReadOnlyList<string> rooms, ConcurrentDictionary<string, byte> sent, int seed)
    {
        var random = new Random(seed);
        var targets = Enumerable.Range(0, MessagesPerSender).Select(_ => rooms[random.Next(rooms.Count)]).ToArray();
        // A few sends in flight at once, so the two persisters' positions interleave.
        await Parallel.ForAsync(0, MessagesPerSender, new ParallelOptions { MaxDegreeOfParallelism = 3 }, async (i, _) =>
            sent[await creator.SendTextAsync(targets[i], $"message {seed}-{i}")] = 0);
    }

    private static async Task LongPollAsync(MatrixTestClient[] readers, string since, Recorder recorder, CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var reader = readers[n % readers.Length];
            JsonObject body;
            try
            {
                body = (await reader.GetAsync($"/_matrix/client/v3/sync?timeout=1000&filter={Filter}&since={Uri.EscapeDataString(since)}")).Ok();
            }
            catch (TaskCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            since = recorder.Record(body);
        }
    }

    // Syncs from the token until a response brings no joined room; returns the last next_batch.
    private static async Task<string> SyncUntilQuietAsync(MatrixTestClient reader, string since, Recorder? recorder = null)
    {
        for (var n = 0; n < 100; n++)
        {
            var body = (await reader.GetAsync($"/_matrix/client/v3/sync?timeout=0&filter={Filter}&since={Uri.EscapeDataString(since)}")).Ok();
            since = recorder?.Record(body) ?? body["next_batch"]!.GetValue<string>();
            if (body["rooms"]?["join"] is not JsonObject { Count: > 0 })
                return since;
        }
        Assert.Fail("/sync kept bringing rooms");
        return since;
    }

    /// <summary>What one member's sync loop received: each message event with how often, and limited timelines.</summary>
    private sealed class Recorder(IReadOnlyList<string> rooms, ConcurrentQueue<(string, HashSet<string>)>? minted = null)
    {
        private int _limited;

        public ConcurrentDictionary<string, int> Delivered { get; } = new();
        public int Limited => Volatile.Read(ref _limited);

        public string Record(JsonObject body)
        {
            foreach (var room in rooms)
            {
                if (body["rooms"]?["join"]?[room]?["timeline"]?["limited"]?.GetValue<bool>() == true)
                    Interlocked.Increment(ref _limited);
                foreach (var e in body.Timeline(room))
                    if (e?["type"]?.GetValue<string>() == "m.room.message")
                        Delivered.AddOrUpdate(e["event_id"]!.GetValue<string>(), 1, (_, n) => n + 1);
            }
            var next = body["next_batch"]!.GetValue<string>();
            minted?.Enqueue((next, [.. Delivered.Keys]));
            return next;
        }

        public IReadOnlyList<string> Missing(IEnumerable<string> sent) => [.. sent.Where(e => !Delivered.ContainsKey(e))];

        public IReadOnlyList<string> Repeated() => [.. Delivered.Where(d => d.Value > 1).Select(d => $"{d.Key} x{d.Value}")];
    }
}
