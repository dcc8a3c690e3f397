namespace Cluster.Workers.FederationSender;

/// <summary>
/// How long a failing destination waits before the next attempt: exponential from the minimum,
/// capped at the maximum, with jitter so that destinations that failed together (our own outage)
/// do not all come back in the same second.
/// </summary>
public sealed class RetryBackoff(TimeSpan minimum, TimeSpan maximum)
{
    /// <summary>Each delay lies within this fraction either side of the exponential value.</summary>
    public const double Jitter = 0.2;

    public TimeSpan Minimum { get; } = minimum > TimeSpan.Zero
        ? minimum
        : throw new ArgumentOutOfRangeException(nameof(minimum), "The minimum back-off must be positive.");

    public TimeSpan Maximum { get; } = maximum >= minimum
        ? maximum
        : throw new ArgumentOutOfRangeException(nameof(maximum), "The maximum back-off must be at least the minimum.");

    /// <summary>The delay after <paramref name="failures"/> failures in a row (1 for the first).</summary>
    /// <param name="unitRandom">A random number in [0, 1): where in the jitter band the delay falls.</param>
    public TimeSpan DelayAfter(int failures, double unitRandom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(unitRandom);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(unitRandom, 1.0);
        // 2^62 ticks would overflow long long before the cap matters; 60 doublings pass any cap.
        var exponential = Minimum.Ticks * Math.Pow(2, Math.Min(failures - 1, 60));
        var capped = Math.Min(exponential, Maximum.Ticks);
        var jittered = capped * (1 + Jitter * (2 * unitRandom - 1));
        return TimeSpan.FromTicks((long)Math.Clamp(jittered, Minimum.Ticks, Maximum.Ticks));
    }

    /// <summary>The delay after <paramref name="failures"/> failures, jittered at random.</summary>
    public TimeSpan DelayAfter(int failures) => DelayAfter(failures, Random.Shared.NextDouble());
}
