using Cluster.Replication.Caches;
using Cluster.Replication.Streams;
using Cluster.Replication.Tests.Streams.Support;
using Cluster.Replication.Tokens;

namespace Cluster.Replication.Tests.Caches;

/// <summary>"Processes" with their own pools, Redis connections and caches; invalidations travel between them.</summary>
public class CacheInvalidationReplicationTests : DatabaseTest
{
    private readonly List<IAsyncDisposable> _cleanup = [];
    private string _channel = "";

    [SetUp]
    public void NewChannel() => _channel = RedisProcess.NewChannel();

    [TearDown]
    public async Task StopProcesses()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
            await _cleanup[i].DisposeAsync();
        _cleanup.Clear();
    }

    private sealed record Process(
        CacheRegistry Caches, InvalidatableCache<string> Users, CacheInvalidator Invalidator,
        StreamFollower<CacheInvalidation> Follower);

    private async Task<Process> StartProcessAsync(string name)
    {
        var redis = await RedisProcess.ConnectAsync(_channel);
        _cleanup.Add(redis);
        var dataSource = Database.NewDataSource();
        var caches = new CacheRegistry();
        var users = caches.Register(new InvalidatableCache<string>("users"));
        var follower = new StreamFollower<CacheInvalidation>(CacheInvalidationStream.Instance, dataSource, redis.Bus,
            new StreamFollowerOptions { ProbeTimeout = TimeSpan.FromMilliseconds(500), ResyncRetryInterval = TimeSpan.FromMilliseconds(200) });
        follower.AddConsumer(caches);
        await follower.StartAsync(CancellationToken.None);
        _cleanup.Add(follower);
        var writer = await StreamWriter<CacheInvalidation>.StartAsync(
            CacheInvalidationStream.Instance, dataSource, redis.Bus, await Database.RegisterAsync(name));
        _cleanup.Add(writer);
        return new Process(caches, users, new CacheInvalidator(writer, caches), follower);
    }

    private static async Task FillAsync(InvalidatableCache<string> cache, params string[] keys)
    {
        foreach (var key in keys)
            await cache.GetOrLoadAsync(key, (k, _) => ValueTask.FromResult("cached " + k), CancellationToken.None);
    }

    private static Task ReachedAsync(Process process, CacheInvalidator writer) =>
        process.Follower.Notifier.WaitUntilReachedAsync("caches",
                StreamPositionVector.Create(0, [new WriterPosition(writer.Writer.WriterId, writer.Writer.Position)]), CancellationToken.None)
            .Within("the invalidations arrive");

    [Test]
    public async Task AnInvalidationOnOneProcessDropsTheKeysOnAnother()
    {
        var first = await StartProcessAsync("cache-1");
        var second = await StartProcessAsync("cache-2");
        await FillAsync(first.Users, "@a:x", "@b:x");
        await FillAsync(second.Users, "@a:x", "@b:x");

        await first.Invalidator.InvalidateAsync("users", "@a:x");

        Assert.That(first.Users.TryGet("@a:x", out _), Is.False, "the writing process drops its own entry at once");
        await ReachedAsync(second, first.Invalidator);
        Assert.That(second.Users.TryGet("@a:x", out _), Is.False);
        Assert.That(second.Users.TryGet("@b:x", out _), Is.True);
    }

    [Test]
    public async Task AWholeCacheInvalidationEmptiesItOnEveryProcess()
    {
        var first = await StartProcessAsync("cache-1");
        var second = await StartProcessAsync("cache-2");
        await FillAsync(second.Users, "@a:x", "@b:x");

        await first.Invalidator.InvalidateAsync([CacheInvalidation.All("users")], CancellationToken.None);

        await ReachedAsync(second, first.Invalidator);
        Assert.That(second.Users.Count, Is.Zero);
    }

    [Test]
    public async Task AnInvalidationWrittenInTheChangingTransactionAppliesOnlyOnCommit()
    {
        var first = await StartProcessAsync("cache-1");
        var second = await StartProcessAsync("cache-2");
        await FillAsync(second.Users, "@rolled:x", "@committed:x");

        await using (var connection = await Database.Admin.OpenConnectionAsync())
        {
            await using (var rolledBack = await connection.BeginTransactionAsync())
            {
                using var pending = await first.Invalidator.InvalidateInTransactionAsync(
                    connection, rolledBack, [new CacheInvalidation("users", ["@rolled:x"])], CancellationToken.None);
                await rolledBack.RollbackAsync();
            }
            await using var committed = await connection.BeginTransactionAsync();
            using var done = await first.Invalidator.InvalidateInTransactionAsync(
                connection, committed, [new CacheInvalidation("users", ["@committed:x"])], CancellationToken.None);
            await committed.CommitAsync();
            done.Committed();
        }

        await ReachedAsync(second, first.Invalidator);
        Assert.That(second.Users.TryGet("@committed:x", out _), Is.False);
        Assert.That(second.Users.TryGet("@rolled:x", out _), Is.True);
    }

    [Test]
    public async Task InvalidationsFromSeveralWritersAllArrive()
    {
        var processes = new[] { await StartProcessAsync("cache-1"), await StartProcessAsync("cache-2"), await StartProcessAsync("cache-3") };
        var keys = Enumerable.Range(0, 30).Select(i => $"@user{i}:x").ToArray();
        foreach (var process in processes)
            await FillAsync(process.Users, keys);

        await Task.WhenAll(keys.Select((key, i) => processes[i % 3].Invalidator.InvalidateAsync("users", key)));

        foreach (var process in processes)
        {
            foreach (var writer in processes)
                await ReachedAsync(process, writer.Invalidator);
            Assert.That(process.Users.Count, Is.Zero);
        }
    }

    [Test]
    public async Task InvalidationsMissedDuringADisconnectAreReadFromTheDatabase()
    {
        var first = await StartProcessAsync("cache-1");
        var second = await StartProcessAsync("cache-2");
        await FillAsync(second.Users, "@a:x", "@b:x");

        Assert.That(await RedisProcess.KillSubscriptionConnectionsAsync(_channel), Is.GreaterThanOrEqualTo(2), "our subscriptions were cut");
        await first.Invalidator.InvalidateAsync("users", "@a:x");
        await first.Invalidator.InvalidateAsync("users", "@b:x");

        await ReachedAsync(second, first.Invalidator);
        Assert.That(second.Users.Count, Is.Zero);
    }
}
