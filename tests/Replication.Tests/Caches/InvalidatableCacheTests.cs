using Cluster.Replication.Caches;
using Cluster.Replication.Streams;

namespace Cluster.Replication.Tests.Caches;

public class InvalidatableCacheTests
{
    private static ValueTask<string> Load(string key, CancellationToken _) => ValueTask.FromResult("value of " + key);

    [Test]
    public async Task ALoadedValueIsKept()
    {
        var cache = new InvalidatableCache<string>("users");

        await cache.GetOrLoadAsync("a", Load, CancellationToken.None);

        Assert.That(cache.TryGet("a", out var value), Is.True);
        Assert.That(value, Is.EqualTo("value of a"));
    }

    [Test]
    public async Task InvalidatingAKeyDropsOnlyThatKey()
    {
        var cache = new InvalidatableCache<string>("users");
        await cache.GetOrLoadAsync("a", Load, CancellationToken.None);
        await cache.GetOrLoadAsync("b", Load, CancellationToken.None);

        cache.Invalidate(["a"]);

        Assert.That(cache.TryGet("a", out _), Is.False);
        Assert.That(cache.TryGet("b", out _), Is.True);
    }

    [Test]
    public async Task AValueLoadedWhileAnInvalidationArrivedIsReturnedButNotKept()
    {
        var cache = new InvalidatableCache<string>("users");
        var release = new TaskCompletionSource();
        var loading = cache.GetOrLoadAsync("a", async (key, ct) =>
        {
            await release.Task;
            return "stale " + key;
        }, CancellationToken.None);

        cache.Invalidate(["a"]);
        release.SetResult();

        Assert.That(await loading, Is.EqualTo("stale a"));
        Assert.That(cache.TryGet("a", out _), Is.False);
    }

    [Test]
    public async Task TheRegistryAppliesABatchToTheNamedCachesOnly()
    {
        var registry = new CacheRegistry();
        var users = registry.Register(new InvalidatableCache<string>("users"));
        var rooms = registry.Register(new InvalidatableCache<string>("rooms"));
        foreach (var key in new[] { "a", "b" })
        {
            await users.GetOrLoadAsync(key, Load, CancellationToken.None);
            await rooms.GetOrLoadAsync(key, Load, CancellationToken.None);
        }

        await registry.ApplyAsync(new StreamBatch<CacheInvalidation>("caches", 1, 0, 3,
        [
            new StreamRow<CacheInvalidation>(1, 1, new CacheInvalidation("users", ["a"])),
            new StreamRow<CacheInvalidation>(2, 1, CacheInvalidation.All("rooms")),
            new StreamRow<CacheInvalidation>(3, 1, new CacheInvalidation("not-here", ["a"])),
        ]), CancellationToken.None);

        Assert.That(users.TryGet("a", out _), Is.False);
        Assert.That(users.TryGet("b", out _), Is.True);
        Assert.That(rooms.Count, Is.Zero);
    }

    [Test]
    public void TwoCachesCannotShareAName()
    {
        var registry = new CacheRegistry();
        registry.Register(new InvalidatableCache<string>("users"));

        Assert.Throws<ArgumentException>(() => registry.Register(new InvalidatableCache<int>("users")));
    }
}
