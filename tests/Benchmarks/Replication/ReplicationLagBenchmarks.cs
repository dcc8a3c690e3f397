using System.Collections.Concurrent;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Cluster.Replication.Streams;

namespace Cluster.Benchmarks.Replication;

/// <summary>
/// Replication lag at about 1,000 rows/s: from a writer's commit returning to a reader (its own
/// pool and Redis connection) handing the row to its consumers. BenchmarkDotNet times the paced
/// run (about 1 ms per row by construction); the lag percentiles are printed at the end of the
/// run ("Replication lag ...") and written to replication-lag.txt in the working folder.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class ReplicationLagBenchmarks
{
    private const int RowsPerInvocation = 1000;
    private const int Lanes = 4;
    private static readonly double TicksPerMillisecond = Stopwatch.Frequency / 1000.0;

    private ReplicationBenchEnvironment _environment = null!;
    private StreamWriter<string> _writer = null!;
    private StreamFollower<string> _reader = null!;
    private readonly ConcurrentDictionary<long, long> _committedAt = new();
    private readonly ArrivalRecorder _arrivals = new();
    private readonly List<double> _lagMilliseconds = [];

    [GlobalSetup]
    public async Task Setup()
    {
        _environment = await ReplicationBenchEnvironment.CreateAsync();
        _writer = await _environment.StartWriterAsync("bench-writer", await _environment.NewRedisBusAsync());
        _reader = await _environment.StartFollowerAsync(await _environment.NewRedisBusAsync(), _arrivals);
    }

    [Benchmark(OperationsPerInvoke = RowsPerInvocation, Description = "paced at 1,000 rows/s, per row")]
    public async Task PacedWrites()
    {
        _committedAt.Clear();
        _arrivals.Clear();
        var start = Stopwatch.GetTimestamp();
        // Row k is due at start + k ms; lane l writes rows l, l + 4, l + 8, ...: 1,000 rows/s in all.
        await Task.WhenAll(Enumerable.Range(0, Lanes).Select(lane => Task.Run(async () =>
        {
            for (var i = 0; i < RowsPerInvocation / Lanes; i++)
            {
                var due = start + (long)((i * Lanes + lane) * TicksPerMillisecond);
                var wait = (due - Stopwatch.GetTimestamp()) / TicksPerMillisecond;
                if (wait >= 1)
                    await Task.Delay(TimeSpan.FromMilliseconds(wait));
                await WriteOneAsync($"row {lane}/{i}");
            }
        })));
        await ReplicationBenchEnvironment.CaughtUpAsync(_reader, [_writer]);
        foreach (var (position, committed) in _committedAt)
            if (_arrivals.TryGet(position, out var arrived))
                _lagMilliseconds.Add((arrived - committed) / TicksPerMillisecond);
    }

    private async Task WriteOneAsync(string body)
    {
        // The real write path: group commit, insert and commit in one round trip.
        var rows = await _writer.WriteAsync([body], CancellationToken.None);
        _committedAt[rows[0].Position] = Stopwatch.GetTimestamp();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _environment.DisposeAsync();
        if (_lagMilliseconds.Count == 0)
            return;
        var sorted = _lagMilliseconds.Order().ToArray();
        double Percentile(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        var summary = $"Replication lag commit -> reader at ~1,000 rows/s over {sorted.Length} rows: " +
                      $"p50 {Percentile(0.50):F2} ms, p99 {Percentile(0.99):F2} ms, max {sorted[^1]:F2} ms";
        Console.WriteLine(summary);
        await File.WriteAllTextAsync("replication-lag.txt", summary + Environment.NewLine);
    }

    /// <summary>When each row reached the reader's consumers.</summary>
    private sealed class ArrivalRecorder : IStreamConsumer<string>
    {
        private readonly ConcurrentDictionary<long, long> _arrivedAt = new();

        public ValueTask ApplyAsync(StreamBatch<string> batch, CancellationToken cancellationToken)
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var row in batch.Rows)
                _arrivedAt[row.Position] = now;
            return ValueTask.CompletedTask;
        }

        public bool TryGet(long position, out long arrivedAt) => _arrivedAt.TryGetValue(position, out arrivedAt);

        public void Clear() => _arrivedAt.Clear();
    }
}
