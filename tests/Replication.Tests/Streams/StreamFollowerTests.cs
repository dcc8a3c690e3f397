using Cluster.Replication.Bus;
using Cluster.Replication.Streams;
using Cluster.Replication.Tests.Streams.Support;
using Cluster.Replication.Tokens;

namespace Cluster.Replication.Tests.Streams;

/// <summary>A follower against a real PostgreSQL and a bus that loses, repeats or cannot prove itself.</summary>
public class StreamFollowerTests : DatabaseTest
{
    private static readonly StreamWriterOptions WriterOptions = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        IdleAnnounceDelay = TimeSpan.FromMilliseconds(5),
    };

    private UnreliableBus _bus = null!;
    private readonly List<IAsyncDisposable> _cleanup = [];

    [SetUp]
    public void CreateBus() => _bus = new UnreliableBus();

    [TearDown]
    public async Task StopAll()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
            await _cleanup[i].DisposeAsync();
        _cleanup.Clear();
        await _bus.DisposeAsync();
    }

    private async Task<StreamWriter<string>> StartWriterAsync(string name)
    {
        var writer = await StreamWriter<string>.StartAsync(
            TestRowStream.Instance, Database.NewDataSource(), _bus, await Database.RegisterAsync(name), WriterOptions);
        _cleanup.Add(writer);
        return writer;
    }

    private async Task<(StreamFollower<string> Follower, RecordingConsumer Consumer)> StartFollowerAsync(
        StreamFollowerOptions? options = null)
    {
        var follower = new StreamFollower<string>(TestRowStream.Instance, Database.NewDataSource(), _bus,
            options ?? new StreamFollowerOptions { ResyncRetryInterval = TimeSpan.FromMilliseconds(100) });
        var consumer = new RecordingConsumer();
        follower.AddConsumer(consumer);
        await follower.StartAsync(CancellationToken.None);
        _cleanup.Add(follower);
        return (follower, consumer);
    }

    private static Task ReachedAsync(StreamFollower<string> follower, StreamWriter<string> writer, long position) =>
        follower.Notifier.WaitUntilReachedAsync("test_rows",
                StreamPositionVector.Create(0, [new WriterPosition(writer.WriterId, position)]), CancellationToken.None)
            .Within($"the follower reaches {position}");

    private static async Task<List<string>> WriteOneByOneAsync(StreamWriter<string> writer, int count)
    {
        var bodies = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var body = $"row {i}";
            await writer.WriteAsync([body], CancellationToken.None);
            bodies.Add(body);
        }
        return bodies;
    }

    [Test]
    public async Task RowsOfUpdatesTheBusDroppedAreReadFromTheDatabase()
    {
        var writer = await StartWriterAsync("writer-a");
        var (follower, consumer) = await StartFollowerAsync();
        var count = 0;
        _bus.Copies = update => update.Rows.Count > 0 && ++count % 3 == 0 ? 0 : 1;

        var bodies = await WriteOneByOneAsync(writer, 30);

        await ReachedAsync(follower, writer, writer.Position);
        Assert.That(_bus.Dropped, Is.GreaterThan(0));
        Assert.That(follower.Statistics.Gaps, Is.GreaterThan(0));
        Assert.That(consumer.RowsOf(writer.WriterId).Select(r => r.Body), Is.EqualTo(bodies));
        Assert.That(consumer.Violations, Is.Empty);
    }

    [Test]
    public async Task ALostLastUpdateIsNoticedThroughTheNextHeartbeat()
    {
        var writer = await StartWriterAsync("writer-a");
        var (follower, consumer) = await StartFollowerAsync();
        _bus.Copies = update => update.IsHeartbeat ? 1 : 0;

        var rows = await writer.WriteAsync(["only"], CancellationToken.None);

        await ReachedAsync(follower, writer, rows[0].Position);
        Assert.That(consumer.RowsOf(writer.WriterId).Select(r => r.Body), Is.EqualTo(new[] { "only" }));
    }

    [Test]
    public async Task ATokenAheadOfTheFollowerIsCaughtUpFromTheDatabaseWithoutTheBus()
    {
        var writer = await StartWriterAsync("writer-a");
        var (follower, consumer) = await StartFollowerAsync(new StreamFollowerOptions
        {
            ResyncRetryInterval = TimeSpan.FromMinutes(5),
            PeriodicResyncInterval = TimeSpan.Zero,
        });
        _bus.Copies = _ => 0;
        var bodies = await WriteOneByOneAsync(writer, 5);
        await WaitUntilAsync(() => writer.PersistedPosition == writer.Position);

        await follower.CatchUpToAsync(StreamPositionVector.Create(0, [new WriterPosition(writer.WriterId, writer.Position)]), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(follower.Positions.PositionOf(writer.WriterId), Is.EqualTo(writer.Position));
        Assert.That(consumer.RowsOf(writer.WriterId).Select(r => r.Body), Is.EqualTo(bodies));
    }

    [Test]
    public async Task ATokenAheadOfEverythingPersistedNeverMovesTheFollowerPastTheDatabase()
    {
        var writer = await StartWriterAsync("writer-a");
        var (follower, _) = await StartFollowerAsync(new StreamFollowerOptions
        {
            ResyncRetryInterval = TimeSpan.FromMinutes(5),
            PeriodicResyncInterval = TimeSpan.Zero,
        });
        _bus.Copies = _ => 0;
        await WriteOneByOneAsync(writer, 2);
        await WaitUntilAsync(() => writer.PersistedPosition == writer.Position);

        var forged = StreamPositionVector.Create(0, [new WriterPosition(writer.WriterId, writer.Position + 1000)]);
        await follower.CatchUpToAsync(forged, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(follower.Positions.PositionOf(writer.WriterId), Is.EqualTo(writer.Position));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail("The condition did not hold within 10 s.");
            await Task.Delay(10);
        }
    }

    [Test]
    public async Task RepeatedUpdatesAreAppliedOnce()
    {
        var writer = await StartWriterAsync("writer-a");
        var (follower, consumer) = await StartFollowerAsync();
        _bus.Copies = _ => 2;

        var bodies = await WriteOneByOneAsync(writer, 10);

        await ReachedAsync(follower, writer, writer.Position);
        Assert.That(follower.Statistics.Duplicates, Is.GreaterThan(0));
        Assert.That(consumer.RowsOf(writer.WriterId).Select(r => r.Body), Is.EqualTo(bodies));
        Assert.That(consumer.Violations, Is.Empty);
    }

    [Test]
    public async Task WhileTheBusCannotBeProvenTheFollowerPollsTheDatabase()
    {
        var writer = await StartWriterAsync("writer-a");
        _bus.ProbesSucceed = false;
        _bus.Copies = _ => 0; // nothing gets through
        var (follower, consumer) = await StartFollowerAsync();

        var rows = await writer.WriteAsync(["polled"], CancellationToken.None);

        await ReachedAsync(follower, writer, rows[0].Position);
        Assert.That(follower.IsFollowingLive, Is.False);
        Assert.That(consumer.RowsOf(writer.WriterId).Select(r => r.Body), Is.EqualTo(new[] { "polled" }));
    }

    [Test]
    public async Task AFollowerThatStartsFromZeroReadsTheWholeHistory()
    {
        var writer = await StartWriterAsync("writer-a");
        var bodies = await WriteOneByOneAsync(writer, 5);

        var (follower, consumer) = await StartFollowerAsync(new StreamFollowerOptions { StartFrom = StreamPositionVector.Zero });

        await ReachedAsync(follower, writer, writer.Position);
        Assert.That(consumer.RowsOf(writer.WriterId).Select(r => r.Body), Is.EqualTo(bodies));
    }

    [Test]
    public async Task CatchUpReadsInPagesWithoutLosingRows()
    {
        var writer = await StartWriterAsync("writer-a");
        var bodies = Enumerable.Range(0, 25).Select(i => $"row {i}").ToArray();
        await writer.WriteAsync(bodies, CancellationToken.None);

        var (follower, consumer) = await StartFollowerAsync(
            new StreamFollowerOptions { StartFrom = StreamPositionVector.Zero, CatchUpPageSize = 4 });

        await ReachedAsync(follower, writer, writer.Position);
        Assert.That(consumer.RowsOf(writer.WriterId).Select(r => r.Body), Is.EqualTo(bodies));
        Assert.That(consumer.Violations, Is.Empty);
    }

    [Test]
    public async Task AFailingConsumerDoesNotStopTheOthers()
    {
        var writer = await StartWriterAsync("writer-a");
        var follower = new StreamFollower<string>(TestRowStream.Instance, Database.NewDataSource(), _bus);
        follower.AddConsumer(_ => throw new InvalidOperationException("broken consumer"));
        var consumer = new RecordingConsumer();
        follower.AddConsumer(consumer);
        await follower.StartAsync(CancellationToken.None);
        _cleanup.Add(follower);

        var rows = await writer.WriteAsync(["still delivered"], CancellationToken.None);

        await ReachedAsync(follower, writer, rows[0].Position);
        Assert.That(consumer.RowsOf(writer.WriterId).Select(r => r.Body), Is.EqualTo(new[] { "still delivered" }));
    }
}
