using Cluster.Replication.Streams;
using Cluster.Replication.Tests.Streams.Support;

namespace Cluster.Replication.Tests.Streams;

/// <summary>
/// Writers and followers while their redis-server is down (a private one, stopped and started
/// again by the test): PostgreSQL keeps the stream moving, at the followers' retry interval.
/// </summary>
[NonParallelizable]
public class RedisOutageTests : DatabaseTest
{
    private static readonly StreamWriterOptions WriterOptions = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(500),
        IdleAnnounceDelay = TimeSpan.FromMilliseconds(10),
    };

    // The production probe timeout: a follower must not poll only as often as a probe times out.
    private static readonly StreamFollowerOptions FollowerOptions = new()
    {
        ProbeTimeout = TimeSpan.FromSeconds(5),
        ResyncRetryInterval = TimeSpan.FromMilliseconds(200),
    };

    private readonly List<IAsyncDisposable> _cleanup = [];
    private PrivateRedisServer _redis = null!;
    private string _channel = "";

    [SetUp]
    public async Task StartRedis()
    {
        _channel = RedisProcess.NewChannel();
        _redis = await PrivateRedisServer.StartAsync();
    }

    [TearDown]
    public async Task StopAll()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
            await _cleanup[i].DisposeAsync();
        _cleanup.Clear();
        await _redis.DisposeAsync();
    }

    private async Task<StreamWriter<string>> StartWriterAsync(string? redisConfiguration)
    {
        var redis = await RedisProcess.ConnectAsync(_channel, redisConfiguration);
        _cleanup.Add(redis);
        var writer = await StreamWriter<string>.StartAsync(
            TestRowStream.Instance, Database.NewDataSource(), redis.Bus, await Database.RegisterAsync("writer"), WriterOptions);
        _cleanup.Add(writer);
        return writer;
    }

    private async Task<(StreamFollower<string> Follower, RecordingConsumer Consumer)> StartFollowerAsync(string? redisConfiguration)
    {
        var redis = await RedisProcess.ConnectAsync(_channel, redisConfiguration);
        _cleanup.Add(redis);
        var follower = new StreamFollower<string>(TestRowStream.Instance, Database.NewDataSource(), redis.Bus, FollowerOptions);
        var consumer = new RecordingConsumer();
        follower.AddConsumer(consumer);
        await follower.StartAsync(CancellationToken.None);
        _cleanup.Add(follower);
        return (follower, consumer);
    }

    [Test]
    public async Task A_writer_whose_redis_is_down_still_advances_its_stored_position()
    {
        var writer = await StartWriterAsync(_redis.Configuration);
        await _redis.StopAsync();

        var rows = await writer.WriteAsync(["written while redis is down"], CancellationToken.None);

        await Eventually.HoldsAsync(
            async () => await Database.StoredPositionAsync("test_rows", writer.WriterId) >= rows[0].Position,
            "stream_positions holds the row's position", seconds: 1.5);
    }

    [Test]
    public async Task A_follower_whose_redis_is_down_applies_new_rows_at_its_retry_interval()
    {
        // The writer announces on a Redis the follower does not listen to: only PostgreSQL reaches it.
        var writer = await StartWriterAsync(redisConfiguration: null);
        var (follower, consumer) = await StartFollowerAsync(_redis.Configuration);
        await _redis.StopAsync();
        await Eventually.HoldsAsync(() => !follower.IsFollowingLive, "the follower noticed the lost connection");

        for (var i = 0; i < 3; i++)
        {
            var rows = await writer.WriteAsync([$"row {i}"], CancellationToken.None);
            await Eventually.HoldsAsync(
                () => consumer.RowsOf(writer.WriterId).Any(r => r.Position == rows[0].Position),
                $"row {i} is applied from the database", seconds: 1.5);
        }
    }

    [Test]
    public async Task A_follower_follows_the_bus_live_again_once_redis_is_back()
    {
        var writer = await StartWriterAsync(_redis.Configuration);
        var (follower, consumer) = await StartFollowerAsync(_redis.Configuration);
        await _redis.StopAsync();
        await writer.WriteAsync(["while redis is down"], CancellationToken.None);
        await Eventually.HoldsAsync(() => !follower.IsFollowingLive, "the follower noticed the lost connection");

        await _redis.RunAsync();
        await Eventually.HoldsAsync(() => follower.IsFollowingLive, "the follower trusts the bus again", seconds: 20);
        var rows = await writer.WriteAsync(["after redis is back"], CancellationToken.None);

        // A trusted follower does not poll: only the bus can bring the row (live, or as a gap it reads).
        await Eventually.HoldsAsync(() => consumer.RowsOf(writer.WriterId).Count == 2, "the row arrives", seconds: 5);
        Assert.That(consumer.RowsOf(writer.WriterId).Select(r => r.Body), Is.EqualTo(new[] { "while redis is down", "after redis is back" }));
        Assert.That(consumer.RowsOf(writer.WriterId)[^1].Position, Is.EqualTo(rows[0].Position));
    }
}
