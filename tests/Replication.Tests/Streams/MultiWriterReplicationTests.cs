using System.Collections.Concurrent;
using Cluster.Replication.Streams;
using Cluster.Replication.Tests.Streams.Support;
using Cluster.Replication.Tokens;
using Npgsql;

namespace Cluster.Replication.Tests.Streams;

/// <summary>
/// Several writer and reader "processes" (each with its own PostgreSQL pool and Redis
/// connection) on one stream, over real Redis pub/sub.
/// </summary>
public class MultiWriterReplicationTests : DatabaseTest
{
    private static readonly StreamWriterOptions WriterOptions = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(500),
        IdleAnnounceDelay = TimeSpan.FromMilliseconds(10),
    };

    private static readonly StreamFollowerOptions FollowerOptions = new()
    {
        ProbeTimeout = TimeSpan.FromMilliseconds(500),
        ResyncRetryInterval = TimeSpan.FromMilliseconds(200),
    };

    private readonly List<IAsyncDisposable> _cleanup = [];
    private readonly ConcurrentDictionary<int, StreamWriter<string>> _liveWriters = new();
    private string _channel = "";

    [SetUp]
    public void NewChannel() => _channel = RedisProcess.NewChannel();

    [TearDown]
    public async Task StopProcesses()
    {
        // Last started, first stopped: followers and writers before their connections.
        for (var i = _cleanup.Count - 1; i >= 0; i--)
            await _cleanup[i].DisposeAsync();
        _cleanup.Clear();
        _liveWriters.Clear();
    }

    private sealed record WriterProcess(StreamWriter<string> Writer, NpgsqlDataSource DataSource, RedisProcess Redis);

    private sealed record ReaderProcess(StreamFollower<string> Follower, RecordingConsumer Consumer, RedisProcess Redis);

    private async Task<WriterProcess> StartWriterAsync(string name)
    {
        var redis = await RedisProcess.ConnectAsync(_channel);
        _cleanup.Add(redis);
        var dataSource = Database.NewDataSource();
        var writer = await StreamWriter<string>.StartAsync(
            TestRowStream.Instance, dataSource, redis.Bus, await Database.RegisterAsync(name), WriterOptions);
        _cleanup.Add(writer);
        _liveWriters[writer.WriterId] = writer;
        return new WriterProcess(writer, dataSource, redis);
    }

    private async Task<ReaderProcess> StartReaderAsync()
    {
        var redis = await RedisProcess.ConnectAsync(_channel);
        _cleanup.Add(redis);
        var follower = new StreamFollower<string>(TestRowStream.Instance, Database.NewDataSource(), redis.Bus, FollowerOptions);
        // A batch may never claim more than its writer has committed.
        var consumer = new RecordingConsumer(writer => _liveWriters.TryGetValue(writer, out var w) ? w.Position : long.MaxValue);
        follower.AddConsumer(consumer);
        await follower.StartAsync(CancellationToken.None);
        _cleanup.Add(follower);
        return new ReaderProcess(follower, consumer, redis);
    }

    private static StreamPositionVector PositionsOf(IEnumerable<StreamWriter<string>> writers) =>
        StreamPositionVector.Create(0, writers.Select(w => new WriterPosition(w.WriterId, w.Position)));

    private static Task CaughtUpAsync(ReaderProcess reader, StreamPositionVector target, string what) =>
        reader.Follower.Notifier.WaitUntilReachedAsync("test_rows", target, CancellationToken.None).Within(what, 20);

    /// <summary>Each reader holds exactly the committed rows, once each, ascending per writer.</summary>
    private async Task AssertEveryCommittedRowSeenOnceAsync(IEnumerable<ReaderProcess> readers, params WriterWorkload[] workloads)
    {
        var committed = await Database.CommittedRowsAsync();
        var expected = workloads.SelectMany(w => w.Committed).GroupBy(r => r.Writer)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Position).Select(r => (r.Position, r.Body)).ToList());
        foreach (var (writer, rows) in expected)
            Assert.That(committed[writer], Is.EqualTo(rows), $"the database holds writer {writer}'s committed rows");
        var index = 0;
        foreach (var reader in readers)
        {
            index++;
            Assert.That(reader.Consumer.Violations, Is.Empty, $"reader {index} broke a promise");
            foreach (var (writer, rows) in committed)
                Assert.That(reader.Consumer.RowsOf(writer), Is.EqualTo(rows), $"reader {index} saw writer {writer}'s rows exactly once, in order");
        }
    }

    [Test]
    public async Task ThreeWritersTwoReadersEveryRowIsSeenOnceInOrderPerWriter()
    {
        var readers = new[] { await StartReaderAsync(), await StartReaderAsync() };
        var writers = new[] { await StartWriterAsync("writer-a"), await StartWriterAsync("writer-b"), await StartWriterAsync("writer-c") };
        var workloads = writers.Select((w, i) => new WriterWorkload(w.Writer, w.DataSource, seed: i + 1)).ToArray();

        await Task.WhenAll(workloads.Select(w => w.RunAsync(concurrent: 3, transactionsEach: 40, CancellationToken.None)))
            .Within("the writers finish", 30);

        var target = PositionsOf(writers.Select(w => w.Writer));
        foreach (var reader in readers)
            await CaughtUpAsync(reader, target, "the reader catches up with every writer");
        await AssertEveryCommittedRowSeenOnceAsync(readers, workloads);
        Assert.That(readers.Sum(r => r.Follower.Statistics.LiveRows), Is.GreaterThan(0), "rows travelled over Redis");
    }

    [Test]
    public async Task ReadersCatchUpFromTheDatabaseWhenTheBusConnectionIsKilledThenFollowLiveAgain()
    {
        var readers = new[] { await StartReaderAsync(), await StartReaderAsync() };
        var writers = new[] { await StartWriterAsync("writer-a"), await StartWriterAsync("writer-b"), await StartWriterAsync("writer-c") };
        var workloads = writers.Select((w, i) => new WriterWorkload(w.Writer, w.DataSource, seed: i + 10)).ToArray();
        var resyncsBefore = readers.Select(r => r.Follower.Statistics.Resyncs).ToArray();

        // Kill every pub/sub connection in the middle of the writing.
        var writing = Task.WhenAll(workloads.Select(w => w.RunAsync(concurrent: 3, transactionsEach: 40, CancellationToken.None)));
        await Task.Delay(150);
        Assert.That(await RedisProcess.KillSubscriptionConnectionsAsync(_channel), Is.GreaterThanOrEqualTo(2), "our subscriptions were cut");
        await writing.Within("the writers finish", 30);

        var target = PositionsOf(writers.Select(w => w.Writer));
        foreach (var reader in readers)
            await CaughtUpAsync(reader, target, "the reader catches up after the disconnect");
        for (var i = 0; i < readers.Length; i++)
            Assert.That(readers[i].Follower.Statistics.Resyncs, Is.GreaterThan(resyncsBefore[i]), $"reader {i + 1} caught up from the database");
        await AssertEveryCommittedRowSeenOnceAsync(readers, workloads);

        // Back on the bus: new rows arrive live again.
        await Eventually.HoldsAsync(() => readers.All(r => r.Follower.IsFollowingLive), "the readers trust the bus again");
        var liveBefore = readers.Select(r => r.Follower.Statistics.LiveRows).ToArray();
        var secondRound = writers.Select((w, i) => new WriterWorkload(w.Writer, w.DataSource, seed: i + 20) { RollbackRate = 0 }).ToArray();
        await Task.WhenAll(secondRound.Select(w => w.RunAsync(concurrent: 2, transactionsEach: 5, CancellationToken.None, label: "after")))
            .Within("the writers finish the second round", 30);
        target = PositionsOf(writers.Select(w => w.Writer));
        foreach (var reader in readers)
            await CaughtUpAsync(reader, target, "the reader follows the second round");
        for (var i = 0; i < readers.Length; i++)
            Assert.That(readers[i].Follower.Statistics.LiveRows, Is.GreaterThan(liveBefore[i]), $"reader {i + 1} received rows live after reconnecting");
        await AssertEveryCommittedRowSeenOnceAsync(readers, [.. workloads, .. secondRound]);
    }

    [Test]
    public async Task ACrashedWritersStuckAllocationHoldsBackOnlyItsOwnPositionUntilItRestarts()
    {
        var reader = await StartReaderAsync();
        var a = await StartWriterAsync("writer-a");
        var b = await StartWriterAsync("writer-b");
        var c = await StartWriterAsync("writer-c");
        await c.Writer.WriteAsync(["c before the crash"], CancellationToken.None);

        // C allocates and writes inside a transaction, then "dies": the transaction rolls back
        // with its connection, and nobody ever completes or abandons the allocation.
        var stuck = await c.Writer.AllocateAsync(1);
        await using (var connection = await c.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
            await TestRowStream.Instance.InsertAsync(connection, transaction, stuck.Rows(["never committed"]), CancellationToken.None);
        var stuckAt = stuck.Positions[0];
        // And one it committed but died before announcing: only the database knows of it.
        var unannounced = await c.Writer.AllocateAsync(1);
        await using (var connection = await c.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await TestRowStream.Instance.InsertAsync(connection, transaction, unannounced.Rows(["c committed, never announced"]), CancellationToken.None);
            await transaction.CommitAsync();
        }

        var workloads = new[] { new WriterWorkload(a.Writer, a.DataSource, 1), new WriterWorkload(b.Writer, b.DataSource, 2) };
        await Task.WhenAll(workloads.Select(w => w.RunAsync(concurrent: 2, transactionsEach: 15, CancellationToken.None)))
            .Within("the healthy writers finish", 30);

        // The others and the reader move on; C stays just below its stuck allocation.
        await CaughtUpAsync(reader, PositionsOf([a.Writer, b.Writer]), "the reader follows the healthy writers");
        Assert.That(a.Writer.Position, Is.GreaterThan(stuckAt));
        Assert.That(b.Writer.Position, Is.GreaterThan(stuckAt));
        Assert.That(c.Writer.Position, Is.EqualTo(stuckAt - 1));
        Assert.That(reader.Follower.Positions.PositionOf(c.Writer.WriterId), Is.LessThan(stuckAt));
        Assert.That(reader.Follower.Positions.Minimum, Is.LessThan(stuckAt), "the stream minimum waits for C");
        Assert.That(await Database.StoredPositionAsync("test_rows", c.Writer.WriterId), Is.LessThan(stuckAt));
        await c.Writer.DisposeAsync();
        GC.KeepAlive(stuck);
        GC.KeepAlive(unannounced);
        // The new process announces itself before StartWriterAsync can record it: no position check meanwhile.
        _liveWriters.TryRemove(c.Writer.WriterId, out _);

        // A new process with C's name takes over from stream_positions and the sequence.
        var restarted = await StartWriterAsync("writer-c");
        Assert.That(restarted.Writer.WriterId, Is.EqualTo(c.Writer.WriterId));
        Assert.That(restarted.Writer.Position, Is.GreaterThan(stuckAt));
        var after = await restarted.Writer.WriteAsync(["c after the restart"], CancellationToken.None);

        await CaughtUpAsync(reader, PositionsOf([a.Writer, b.Writer, restarted.Writer]), "the reader follows the restarted writer");
        Assert.That(reader.Follower.Positions.Minimum, Is.GreaterThan(stuckAt), "the stream minimum moved past the stuck allocation");
        Assert.That(reader.Consumer.RowsOf(c.Writer.WriterId).Select(r => r.Body), Is.EqualTo(new[] { "c before the crash", "c committed, never announced", "c after the restart" }));
        Assert.That(after[0].Position, Is.GreaterThan(stuckAt));
        Assert.That(reader.Consumer.Violations, Is.Empty);
        await AssertEveryCommittedRowSeenOnceAsync([reader], workloads);
    }

    [Test]
    public async Task TheNotifierWakesWhenTheWritersRowIsAppliedAndNotBefore()
    {
        var reader = await StartReaderAsync();
        var writer = await StartWriterAsync("writer-a");
        var allocation = await writer.Writer.AllocateAsync(1);
        var target = StreamPositionVector.Create(0, [new WriterPosition(writer.Writer.WriterId, allocation.Positions[0])]);
        var woken = reader.Follower.Notifier.WaitUntilReachedAsync("test_rows", target, CancellationToken.None);
        await using (var connection = await writer.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await TestRowStream.Instance.InsertAsync(connection, transaction, allocation.Rows(["hello"]), CancellationToken.None);
            await transaction.CommitAsync();
        }

        // Committed but not completed: the writer has not announced it, so nobody may wake.
        await Task.Delay(300);
        Assert.That(woken.IsCompleted, Is.False);
        Assert.That(reader.Consumer.RowCount, Is.Zero);

        allocation.Complete(allocation.Rows(["hello"]));

        await woken.Within("the notifier wakes");
        Assert.That(reader.Follower.Positions.PositionOf(writer.Writer.WriterId), Is.GreaterThanOrEqualTo(allocation.Positions[0]));
        Assert.That(reader.Consumer.RowsOf(writer.Writer.WriterId).Select(r => r.Body), Is.EqualTo(new[] { "hello" }));
    }

    [Test]
    public async Task AReaderStartedLateHandsOutOnlyWhatFollowsItsStartingToken()
    {
        var writer = await StartWriterAsync("writer-a");
        var early = await writer.Writer.WriteAsync(["before the token"], CancellationToken.None);
        var token = StreamPositionVector.Create(0, [new WriterPosition(writer.Writer.WriterId, early[0].Position)]);
        var later = await writer.Writer.WriteAsync(["after the token", "and another"], CancellationToken.None);

        var redis = await RedisProcess.ConnectAsync(_channel);
        _cleanup.Add(redis);
        var consumer = new RecordingConsumer();
        var follower = new StreamFollower<string>(TestRowStream.Instance, Database.NewDataSource(), redis.Bus,
            new StreamFollowerOptions { StartFrom = token, ProbeTimeout = TimeSpan.FromMilliseconds(500) });
        follower.AddConsumer(consumer);
        await follower.StartAsync(CancellationToken.None);
        _cleanup.Add(follower);

        await follower.Notifier.WaitUntilReachedAsync("test_rows", StreamPositionVector.Create(0, [new WriterPosition(writer.Writer.WriterId, later[^1].Position)]), CancellationToken.None)
            .Within("the late reader catches up");
        Assert.That(consumer.RowsOf(writer.Writer.WriterId).Select(r => r.Body), Is.EqualTo(new[] { "after the token", "and another" }));
    }
}
