using Cluster.Shared.Http.RateLimiting;
using Microsoft.Extensions.Options;

namespace Cluster.Shared.Tests.Http.RateLimiting;

public class TokenBucketRateLimiterTests
{
    private static readonly RateLimitAction Action = new("Test", DefaultPerSecond: 1, DefaultBurst: 3);

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private static TokenBucketRateLimiter Limiter(ManualClock clock, int maxBuckets = 100_000) =>
        new(clock, new StaticOptions(new RateLimitOptions { MaxBuckets = maxBuckets }));

    private sealed class StaticOptions(RateLimitOptions value) : IOptionsMonitor<RateLimitOptions>
    {
        public RateLimitOptions CurrentValue => value;
        public RateLimitOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<RateLimitOptions, string?> listener) => null;
    }

    [Test]
    public void Burst_is_allowed_then_refused_with_time_to_next_token()
    {
        var clock = new ManualClock();
        var limiter = Limiter(clock);

        var allowed = Enumerable.Range(0, 3).Select(i => limiter.TryAcquire(Action, "ip:1", out _)).ToArray();
        var fourth = limiter.TryAcquire(Action, "ip:1", out var retryAfter);

        Assert.That(allowed, Is.All.True);
        Assert.That(fourth, Is.False);
        Assert.That(retryAfter, Is.EqualTo(TimeSpan.FromSeconds(1)));
    }

    [Test]
    public void Tokens_refill_at_the_configured_rate()
    {
        var clock = new ManualClock();
        var limiter = Limiter(clock);
        for (var i = 0; i < 3; i++)
            limiter.TryAcquire(Action, "ip:1", out _);

        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.That(limiter.TryAcquire(Action, "ip:1", out _), Is.True);
        Assert.That(limiter.TryAcquire(Action, "ip:1", out _), Is.False);
    }

    [Test]
    public void Keys_have_separate_buckets()
    {
        var limiter = Limiter(new ManualClock());
        for (var i = 0; i < 3; i++)
            limiter.TryAcquire(Action, "ip:1", out _);

        Assert.That(limiter.TryAcquire(Action, "ip:2", out _), Is.True);
    }

    [Test]
    public void Configured_rule_overrides_the_defaults()
    {
        var options = new RateLimitOptions();
        options.Actions["test"] = new RateLimitRule { Burst = 1 };
        var limiter = new TokenBucketRateLimiter(new ManualClock(), new StaticOptions(options));

        Assert.That(limiter.TryAcquire(Action, "k", out _), Is.True);
        Assert.That(limiter.TryAcquire(Action, "k", out _), Is.False);
    }

    [Test]
    public void Idle_buckets_are_evicted_so_memory_stays_bounded()
    {
        var clock = new ManualClock();
        var limiter = Limiter(clock, maxBuckets: 1000);
        for (var i = 0; i < 1000; i++)
            limiter.TryAcquire(Action, $"ip:{i}", out _);

        clock.Advance(TimeSpan.FromSeconds(10));
        limiter.TryAcquire(Action, "ip:new", out _);

        Assert.That(limiter.BucketCount, Is.LessThanOrEqualTo(2));
    }

    [Test]
    public void A_flood_of_busy_keys_never_grows_past_the_limit()
    {
        var limiter = Limiter(new ManualClock(), maxBuckets: 1000);

        for (var i = 0; i < 10_000; i++)
            limiter.TryAcquire(Action, $"ip:{i}", out _);

        Assert.That(limiter.BucketCount, Is.LessThanOrEqualTo(1000));
    }

    [Test]
    public void Sweeping_drops_idle_buckets_but_keeps_a_drained_one()
    {
        var slow = new RateLimitAction("Slow", DefaultPerSecond: 0.01, DefaultBurst: 3);
        var fast = new RateLimitAction("Fast", DefaultPerSecond: 100, DefaultBurst: 3);
        var clock = new ManualClock();
        var limiter = Limiter(clock, maxBuckets: 10);
        for (var i = 0; i < 3; i++)
            limiter.TryAcquire(slow, "busy", out _);

        // Many short-lived requesters pass; each is idle (refilled) by the time the next comes.
        for (var i = 0; i < 50; i++)
        {
            limiter.TryAcquire(fast, $"other:{i}", out _);
            clock.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.That(limiter.TryAcquire(slow, "busy", out _), Is.False);
        Assert.That(limiter.BucketCount, Is.LessThanOrEqualTo(10));
    }

    [TestCase("192.0.2.7", "192.0.2.7")]
    [TestCase("::ffff:192.0.2.7", "192.0.2.7")]
    [TestCase("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [TestCase("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void Addresses_are_keyed_per_host_or_ipv6_64(string address, string key)
    {
        Assert.That(RateLimitingEndpoints.AddressKey(System.Net.IPAddress.Parse(address)), Is.EqualTo(key));
    }
}
