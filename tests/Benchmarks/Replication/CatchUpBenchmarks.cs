using Cluster.Replication.Tests.Streams.Support;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Cluster.Replication.Bus;
using Cluster.Replication.Streams;
using Cluster.Replication.Tokens;

namespace Cluster.Benchmarks.Replication;

/// <summary>
/// Catch-up speed: a reader that starts from position zero reads a writer's 20,000 rows from
/// PostgreSQL (pages of 1,000) and hands them to a consumer. Time per operation is time per row.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class CatchUpBenchmarks
{
    private const int Rows = 20_000;
    private const int RowsPerTransaction = 500;

    private ReplicationBenchEnvironment _environment = null!;
    private InProcessReplicationBus _bus = null!;
    private StreamWriter<string> _writer = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _environment = await ReplicationBenchEnvironment.CreateAsync();
        _bus = new InProcessReplicationBus();
        _writer = await _environment.StartWriterAsync("bench-writer", _bus);
        for (var written = 0; written < Rows; written += RowsPerTransaction)
            await _writer.WriteAsync(Enumerable.Range(written, RowsPerTransaction).Select(i => $"row {i} of the catch-up backlog").ToArray(), CancellationToken.None);
    }

    [Benchmark(OperationsPerInvoke = Rows, Description = "catch up from the database, per row")]
    public async Task<int> CatchUp()
    {
        var counter = new CountingConsumer();
        await using var follower = new StreamFollower<string>(TestRowStream.Instance, _environment.NewDataSource(), _bus,
            new StreamFollowerOptions { StartFrom = StreamPositionVector.Zero });
        follower.AddConsumer(counter);
        await follower.StartAsync(CancellationToken.None);
        await ReplicationBenchEnvironment.CaughtUpAsync(follower, [_writer]);
        return counter.Rows == Rows ? counter.Rows : throw new InvalidOperationException($"Caught up {counter.Rows} rows, not {Rows}.");
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _environment.DisposeAsync();
        await _bus.DisposeAsync();
    }

    private sealed class CountingConsumer : IStreamConsumer<string>
    {
        public int Rows { get; private set; }

        public ValueTask ApplyAsync(StreamBatch<string> batch, CancellationToken cancellationToken)
        {
            Rows += batch.Rows.Count;
            return ValueTask.CompletedTask;
        }
    }
}
