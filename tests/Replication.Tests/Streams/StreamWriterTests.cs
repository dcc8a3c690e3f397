using Cluster.Replication.Bus;
using Cluster.Replication.Streams;
using Cluster.Replication.Tests.Streams.Support;
using Cluster.Replication.Tokens;

namespace Cluster.Replication.Tests.Streams;

/// <summary>A writer's positions against a real PostgreSQL, with the in-process bus.</summary>
public class StreamWriterTests : DatabaseTest
{
    private static readonly StreamWriterOptions Fast = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(300),
        IdleAnnounceDelay = TimeSpan.FromMilliseconds(5),
    };

    private InProcessReplicationBus _bus = null!;

    [SetUp]
    public void CreateBus() => _bus = new InProcessReplicationBus();

    [TearDown]
    public async Task DisposeBus()
    {
        _consumers.Clear();
        await _bus.DisposeAsync();
    }

    private async Task<StreamWriter<string>> StartWriterAsync(string name, StreamWriterOptions? options = null) =>
        await StreamWriter<string>.StartAsync(
            TestRowStream.Instance, Database.Admin, _bus, await Database.RegisterAsync(name), options ?? Fast);

    private Task WaitForStoredPositionAsync(StreamWriter<string> writer, long position) =>
        Eventually.HoldsAsync(async () => await Database.StoredPositionAsync("test_rows", writer.WriterId) >= position,
            $"writer {writer.WriterId}'s stored position reaches {position}");

    [Test]
    public async Task AWriterRegistersInStreamPositionsWhenItStarts()
    {
        await using var writer = await StartWriterAsync("writer-a");

        Assert.That(await Database.StoredPositionAsync("test_rows", writer.WriterId), Is.EqualTo(0));
    }

    [Test]
    public async Task CommittedRowsMoveTheStoredPosition()
    {
        await using var writer = await StartWriterAsync("writer-a");

        var rows = await writer.WriteAsync(["one", "two", "three"], CancellationToken.None);

        Assert.That(rows.Select(r => r.Position), Is.EqualTo(new long[] { 1, 2, 3 }));
        Assert.That(writer.Position, Is.EqualTo(3));
        await WaitForStoredPositionAsync(writer, 3);
    }

    [Test]
    public async Task ALaterCommitWaitsForAnEarlierAllocationStillInFlight()
    {
        await using var writer = await StartWriterAsync("writer-a");
        var first = await writer.AllocateAsync(1);
        var second = await writer.AllocateAsync(1);
        await InsertAndCommitAsync(second, "second");

        second.Complete(second.Rows(["second"]));
        await Task.Delay(100);

        Assert.That(writer.Position, Is.EqualTo(first.Positions[0] - 1));
        Assert.That(await Database.StoredPositionAsync("test_rows", writer.WriterId), Is.LessThan(first.Positions[0]));

        await InsertAndCommitAsync(first, "first");
        first.Complete(first.Rows(["first"]));

        Assert.That(writer.Position, Is.EqualTo(second.Positions[0]));
        await WaitForStoredPositionAsync(writer, second.Positions[0]);
    }

    [Test]
    public async Task ARolledBackAllocationDoesNotStallTheWriter()
    {
        await using var writer = await StartWriterAsync("writer-a");
        var abandoned = await writer.AllocateAsync(2);
        var committed = await writer.WriteAsync(["kept"], CancellationToken.None);

        abandoned.Dispose(); // rolled back: never completed

        Assert.That(writer.Position, Is.EqualTo(committed[0].Position));
        await WaitForStoredPositionAsync(writer, committed[0].Position);
    }

    [Test]
    public async Task AWriteThePostgresRefusesLeavesNoRowAndDoesNotStallTheWriter()
    {
        await using var writer = await StartWriterAsync("writer-a");

        // PostgreSQL text cannot hold a NUL character: the one-round-trip insert and commit fails.
        Assert.ThrowsAsync<Npgsql.PostgresException>(() => writer.WriteAsync(["refused\0"], CancellationToken.None));
        var kept = await writer.WriteAsync(["kept"], CancellationToken.None);

        await using var count = Database.Admin.CreateCommand("SELECT count(*) FROM test_rows_stream");
        Assert.That((long)(await count.ExecuteScalarAsync())!, Is.EqualTo(1));
        Assert.That(writer.Position, Is.EqualTo(kept[0].Position));
        await WaitForStoredPositionAsync(writer, kept[0].Position);
    }

    [Test]
    public async Task ConcurrentWritesEachGetTheirOwnRowsInOrder()
    {
        await using var writer = await StartWriterAsync("writer-a");

        var writes = Enumerable.Range(0, 50)
            .Select(i => writer.WriteAsync([$"w{i}.a", $"w{i}.b"], CancellationToken.None))
            .ToArray();
        var results = await Task.WhenAll(writes);

        for (var i = 0; i < results.Length; i++)
        {
            Assert.That(results[i].Select(r => r.Data), Is.EqualTo(new[] { $"w{i}.a", $"w{i}.b" }));
            Assert.That(results[i][1].Position, Is.GreaterThan(results[i][0].Position));
        }
        var all = results.SelectMany(r => r).Select(r => r.Position).ToArray();
        Assert.That(all, Is.Unique);
        Assert.That(writer.Position, Is.EqualTo(all.Max()));
    }

    [Test]
    public async Task ARefusedRowFailsOnlyItsOwnWriteWhenWritesAreCommittedTogether()
    {
        await using var writer = await StartWriterAsync("writer-a");

        // Queued together behind a first write, so the group commit takes them in one transaction.
        var writes = new[] { "first", "good", "refused\0", "also good" }
            .Select(body => writer.WriteAsync([body], CancellationToken.None))
            .ToArray();

        Assert.ThrowsAsync<Npgsql.PostgresException>(() => writes[2]);
        Assert.That((await writes[1])[0].Data, Is.EqualTo("good"));
        Assert.That((await writes[3])[0].Data, Is.EqualTo("also good"));
        await using var count = Database.Admin.CreateCommand("SELECT count(*) FROM test_rows_stream");
        Assert.That((long)(await count.ExecuteScalarAsync())!, Is.EqualTo(3));
    }

    [Test]
    public async Task AnIdleWriterAdvancesToWhatTheOthersWrote()
    {
        await using var busy = await StartWriterAsync("writer-busy");
        await using var idle = await StartWriterAsync("writer-idle");

        var rows = await busy.WriteAsync(["a", "b", "c", "d"], CancellationToken.None);

        await Eventually.HoldsAsync(() => idle.Position >= rows[^1].Position, "the idle writer advances");
        await WaitForStoredPositionAsync(idle, rows[^1].Position);
    }

    [Test]
    public async Task ARestartedWriterResumesAtLeastWhereItsStoredPositionWas()
    {
        var writer = await StartWriterAsync("writer-a");
        var rows = await writer.WriteAsync(["a", "b"], CancellationToken.None);
        await WaitForStoredPositionAsync(writer, rows[^1].Position);
        await writer.DisposeAsync();

        await using var restarted = await StartWriterAsync("writer-a");

        Assert.That(restarted.WriterId, Is.EqualTo(writer.WriterId));
        Assert.That(restarted.Position, Is.GreaterThanOrEqualTo(rows[^1].Position));
        var next = await restarted.WriteAsync(["c"], CancellationToken.None);
        Assert.That(next[0].Position, Is.GreaterThan(rows[^1].Position));
    }

    [Test]
    public async Task CompletingWithRowsOutsideTheAllocationIsRejectedAndReadersReadTheDatabase()
    {
        await using var writer = await StartWriterAsync("writer-a");
        await using var follower = await StartFollowerAsync();
        var allocation = await writer.AllocateAsync(1);
        await InsertAndCommitAsync(allocation, "real");

        Assert.Throws<ArgumentException>(() => allocation.Complete([new StreamRow<string>(allocation.Positions[0] + 100, writer.WriterId, "bogus")]));

        await follower.Notifier.WaitUntilReachedAsync("test_rows", AtWriter(writer.WriterId, allocation.Positions[0]), CancellationToken.None)
            .Within("the follower reaches the allocation");
        Assert.That(follower.Statistics.Gaps, Is.GreaterThanOrEqualTo(1));
        Assert.That(Consumer(follower).RowsOf(writer.WriterId).Select(r => r.Body), Is.EqualTo(new[] { "real" }));
    }

    [Test]
    public async Task ACommitOfUnknownOutcomeIsReadFromTheDatabase()
    {
        await using var writer = await StartWriterAsync("writer-a");
        await using var follower = await StartFollowerAsync();
        var allocation = await writer.AllocateAsync(2);
        await InsertAndCommitAsync(allocation, "maybe");

        allocation.CompleteWithUnknownOutcome();

        await follower.Notifier.WaitUntilReachedAsync("test_rows", AtWriter(writer.WriterId, allocation.Positions[1]), CancellationToken.None)
            .Within("the follower reaches the allocation");
        Assert.That(follower.Statistics.LiveRows, Is.Zero);
        Assert.That(Consumer(follower).RowsOf(writer.WriterId).Select(r => r.Body), Is.EqualTo(new[] { "maybe" }));
    }

    [Test]
    public async Task AnnouncementsTooLargeForOneMessageAreReadFromTheDatabase()
    {
        await using var writer = await StartWriterAsync("writer-a", new StreamWriterOptions { MaxRowBytesPerMessage = 100 });
        await using var follower = await StartFollowerAsync();
        var bodies = Enumerable.Range(0, 50).Select(i => $"row {i} with some length to it").ToArray();

        var rows = await writer.WriteAsync(bodies, CancellationToken.None);

        await follower.Notifier.WaitUntilReachedAsync("test_rows", AtWriter(writer.WriterId, rows[^1].Position), CancellationToken.None)
            .Within("the follower reaches the last row");
        Assert.That(follower.Statistics.LiveRows, Is.Zero);
        Assert.That(Consumer(follower).RowsOf(writer.WriterId).Select(r => r.Body), Is.EqualTo(bodies));
    }

    private readonly Dictionary<StreamFollower<string>, RecordingConsumer> _consumers = [];

    private RecordingConsumer Consumer(StreamFollower<string> follower) => _consumers[follower];

    private async Task<StreamFollower<string>> StartFollowerAsync()
    {
        var follower = new StreamFollower<string>(TestRowStream.Instance, Database.NewDataSource(), _bus);
        var consumer = new RecordingConsumer();
        follower.AddConsumer(consumer);
        _consumers[follower] = consumer;
        await follower.StartAsync(CancellationToken.None);
        return follower;
    }

    private static StreamPositionVector AtWriter(int writer, long position) =>
        StreamPositionVector.Create(0, [new WriterPosition(writer, position)]);

    private async Task InsertAndCommitAsync(StreamAllocation<string> allocation, string body)
    {
        await using var connection = await Database.Admin.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await TestRowStream.Instance.InsertAsync(connection, transaction, allocation.Rows([body]), CancellationToken.None);
        await transaction.CommitAsync();
    }
}
