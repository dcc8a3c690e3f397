using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cluster.Replication.Bus;
using Cluster.Shared.Hosting;

namespace Cluster.Replication.Streams;

/// <summary>
/// The replication's instruments: <c>cluster.replication.lag</c>, the time from a writer sending
/// an update to a follower having applied it, per stream and writer; and the span around a
/// writer's publish of rows written inside traces.
/// </summary>
public static class ReplicationTelemetry
{
    public const string LagName = "cluster.replication.lag";

    private static readonly Histogram<double> Lag = ClusterDiagnostics.Meter.CreateHistogram(
        LagName, "s", "From a writer sending a stream update to a follower having applied it (clocks of two machines in a cluster).",
        advice: ClusterDiagnostics.SecondsBuckets);

    // Writer IDs boxed once: the tag is recorded for every live update.
    private static readonly ConcurrentDictionary<int, object> WriterTags = new();

    public static void RecordLag(string stream, int writerId, DateTimeOffset sentAt)
    {
        if (!Lag.Enabled)
            return;
        // A writer's clock ahead of ours is not negative lag.
        var lag = Math.Max(0, (DateTimeOffset.UtcNow - sentAt).TotalSeconds);
        Lag.Record(lag,
            new KeyValuePair<string, object?>("stream", stream),
            new KeyValuePair<string, object?>("writer", WriterTags.GetOrAdd(writerId, id => id)));
    }

    /// <summary>
    /// A span for announcing rows written in traces: a child of the first row's span (an event's
    /// persist), linked to the others, so a message's trace shows its trip onto the bus.
    /// </summary>
    internal static Activity? StartPublish(StreamUpdate update, IReadOnlyList<RowTrace> traces)
    {
        if (!ClusterDiagnostics.ActivitySource.HasListeners())
            return null;
        var links = traces.Count == 1 ? null : traces.Skip(1).Select(t => new ActivityLink(t.Context)).ToArray();
        var span = ClusterDiagnostics.ActivitySource.StartActivity(
            "replication publish", ActivityKind.Producer, traces[0].Context, links: links);
        span?.SetTag("cluster.stream", update.Stream);
        span?.SetTag("cluster.writer", update.WriterId);
        span?.SetTag("cluster.position", update.Position);
        span?.SetTag("cluster.rows", update.Rows.Count);
        return span;
    }
}
