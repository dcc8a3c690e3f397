using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cluster.Shared.Hosting;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// The sync reader's instruments: <c>cluster.sync.wakeups</c> (long-polls that ended woken by a
/// row, or timed out), and the spans that tie a delivered row to the trace that wrote it: a
/// "sync wake-up" inside the writer's trace when its row wakes waiting syncs, and a
/// "sync deliver" in the /sync request linked to the writer's span.
/// </summary>
internal static class SyncTelemetry
{
    public const string WakeupsName = "cluster.sync.wakeups";

    private static readonly Counter<long> Wakeups = ClusterDiagnostics.Meter.CreateCounter<long>(
        WakeupsName, "{wakeup}", "Long-polling /sync requests that a row woke (outcome=woken) or that timed out (outcome=timed_out).");

    private static readonly KeyValuePair<string, object?> WokenTag = new("outcome", "woken");
    private static readonly KeyValuePair<string, object?> TimedOutTag = new("outcome", "timed_out");

    public static void Woken() => Wakeups.Add(1, WokenTag);

    public static void TimedOut() => Wakeups.Add(1, TimedOutTag);

    /// <summary>A span in the row's own trace (a child of the span that wrote it): this process woke syncs for it.</summary>
    public static Activity? StartWakeUp(SyncWakeups.LastChange change)
    {
        if (change.Trace == default || !ClusterDiagnostics.ActivitySource.HasListeners())
            return null;
        var span = ClusterDiagnostics.ActivitySource.StartActivity("sync wake-up", ActivityKind.Consumer, change.Trace);
        Describe(span, change);
        return span;
    }

    /// <summary>
    /// A span in the /sync request from its wake-up to its response, linked to the span that
    /// wrote the row that woke it (an event's persist).
    /// </summary>
    public static Activity? StartDelivery(SyncWakeups.LastChange change)
    {
        if (!ClusterDiagnostics.ActivitySource.HasListeners())
            return null;
        var span = ClusterDiagnostics.ActivitySource.StartActivity("sync deliver", ActivityKind.Internal, parentContext: default,
            links: change.Trace == default ? null : [new ActivityLink(change.Trace)]);
        Describe(span, change);
        return span;
    }

    private static void Describe(Activity? span, SyncWakeups.LastChange change)
    {
        span?.SetTag("cluster.stream", change.StreamName);
        span?.SetTag("cluster.writer", change.WriterId);
        span?.SetTag("cluster.position", change.Position);
    }
}
