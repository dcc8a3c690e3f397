using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Cluster.Replication.Streams;

namespace Cluster.Benchmarks.Replication;

/// <summary>
/// Rows per second through the whole write path: allocate a position, insert the row and commit
/// (one round trip, see StreamWriter.WriteAsync),
/// announce it (Redis, then stream_positions), until a reader in another "process" has applied
/// every row. One row per transaction, four transactions in flight per writer; each writer has
/// its own pool and Redis connection. Time per operation is time per row.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class WriteThroughputBenchmarks
{
    private const int RowsPerInvocation = 400;
    private const int LanesPerWriter = 4;

    private ReplicationBenchEnvironment _environment = null!;
    private readonly List<StreamWriter<string>> _writers = [];
    private StreamFollower<string> _reader = null!;

    [Params(1, 2, 4)]
    public int Writers { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _environment = await ReplicationBenchEnvironment.CreateAsync();
        for (var i = 0; i < Writers; i++)
            _writers.Add(await _environment.StartWriterAsync($"bench-writer-{i}", await _environment.NewRedisBusAsync()));
        _reader = await _environment.StartFollowerAsync(await _environment.NewRedisBusAsync());
    }

    [Benchmark(OperationsPerInvoke = RowsPerInvocation, Description = "allocate + persist + publish, per row")]
    public async Task WriteAndReplicate()
    {
        var perLane = RowsPerInvocation / Writers / LanesPerWriter;
        var lanes = _writers.SelectMany(writer => Enumerable.Range(0, LanesPerWriter).Select(lane => Task.Run(async () =>
        {
            for (var i = 0; i < perLane; i++)
                await writer.WriteAsync([$"row {lane}/{i}"], CancellationToken.None);
        })));
        await Task.WhenAll(lanes);
        await ReplicationBenchEnvironment.CaughtUpAsync(_reader, _writers);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _environment.DisposeAsync();
        _writers.Clear();
    }
}
