using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cluster.Shared.Hosting;

/// <summary>
/// The meter and activity source our own instruments and spans come from (persist latency,
/// replication lag, wake-ups, caches; the persist, publish and delivery spans). Static: they are
/// used from code built without dependency injection (stream writers and followers in tests),
/// and an instrument nobody listens to costs one branch.
/// </summary>
public static class ClusterDiagnostics
{
    public const string Name = "Cluster";

    public static readonly Meter Meter = new(Name);

    public static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>
    /// Bucket bounds, in seconds, for latencies from well under a millisecond (a replication hop
    /// inside one process) to seconds (a persist stuck behind a lock); the SDK's defaults are
    /// meant for milliseconds.
    /// </summary>
    public static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    /// <summary>
    /// The context of the current span when a trace is being recorded, else default. Only a
    /// recorded span is worth carrying to other processes: ASP.NET Core starts an activity for
    /// every request (for log correlation) even when no tracer listens.
    /// </summary>
    public static ActivityContext RecordedContext() =>
        Activity.Current is { Recorded: true } current ? current.Context : default;
}
