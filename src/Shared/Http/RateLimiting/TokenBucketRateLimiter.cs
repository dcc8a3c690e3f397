using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Cluster.Shared.Http.RateLimiting;

/// <summary>
/// Token buckets keyed by action and requester (a user ID or an address), in this process's
/// memory: each process limits what reaches it. A bucket that has refilled holds no information,
/// so idle buckets are dropped, which keeps memory bounded by the number of recent requesters.
/// </summary>
public sealed class TokenBucketRateLimiter(TimeProvider clock, IOptionsMonitor<RateLimitOptions> options)
{
    /// <summary>How many acquisitions between two sweeps of idle buckets.</summary>
    private const int SweepEvery = 4096;

    private readonly ConcurrentDictionary<(string Action, string Key), Bucket> _buckets = new();
    private int _sinceSweep;
    private int _sweeping;

    public int BucketCount => _buckets.Count;

    /// <summary>Takes one token; false with the time until one is available when the bucket is empty.</summary>
    public bool TryAcquire(RateLimitAction action, string key, out TimeSpan retryAfter)
    {
        var settings = options.CurrentValue;
        var (perSecond, burst) = settings.For(action);
        var now = clock.GetTimestamp();
        if (Interlocked.Increment(ref _sinceSweep) >= SweepEvery || _buckets.Count >= settings.MaxBuckets)
            Sweep(now, settings.MaxBuckets);
        var bucket = _buckets.GetOrAdd((action.Name, key), static (_, state) => new Bucket(state.burst, state.now), (burst, now));
        return bucket.TryTake(now, perSecond, burst, clock, out retryAfter);
    }

    private void Sweep(long now, int maxBuckets)
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
            return;
        try
        {
            Interlocked.Exchange(ref _sinceSweep, 0);
            foreach (var (key, bucket) in _buckets)
                if (bucket.IsFull(now, clock))
                    _buckets.TryRemove(key, out _);
            // Still too many busy requesters (a flood from many addresses): forgetting some lets
            // them start afresh, which beats refusing everyone new.
            var excess = _buckets.Count - maxBuckets * 3 / 4;
            foreach (var key in _buckets.Keys.Take(Math.Max(0, excess)))
                _buckets.TryRemove(key, out _);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private sealed class Bucket(double tokens, long updated)
    {
        private readonly Lock _lock = new();
        private double _tokens = tokens;
        private long _updated = updated;
        // The rule last applied, so a sweep can tell whether the bucket has refilled.
        private double _perSecond;
        private int _burst = (int)tokens;

        public bool TryTake(long now, double perSecond, int burst, TimeProvider clock, out TimeSpan retryAfter)
        {
            lock (_lock)
            {
                _perSecond = perSecond;
                _burst = burst;
                Refill(now, clock);
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    retryAfter = TimeSpan.Zero;
                    return true;
                }
                retryAfter = perSecond > 0 ? TimeSpan.FromSeconds((1 - _tokens) / perSecond) : TimeSpan.FromHours(1);
                return false;
            }
        }

        public bool IsFull(long now, TimeProvider clock)
        {
            lock (_lock)
            {
                Refill(now, clock);
                return _tokens >= _burst;
            }
        }

        private void Refill(long now, TimeProvider clock)
        {
            var elapsed = clock.GetElapsedTime(_updated, now).TotalSeconds;
            if (elapsed > 0)
                _tokens = Math.Min(_burst, _tokens + elapsed * _perSecond);
            _updated = Math.Max(_updated, now);
        }
    }
}
