using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cluster.Shared.Hosting;

namespace Cluster.Workers.EventPersister;

/// <summary>
/// <c>cluster.event.persist.duration</c> (from a persist request to its commit, room lock wait
/// included; outcome <c>persisted</c> or <c>failed</c>) and the "persist events" span, which the
/// events stream carries to readers so a /sync delivery links back to it.
/// </summary>
internal static class PersistMetrics
{
    public const string DurationName = "cluster.event.persist.duration";

    private static readonly Histogram<double> Duration = ClusterDiagnostics.Meter.CreateHistogram(
        DurationName, "s", "Persisting a batch of events: waiting for the room, writing, committing.",
        advice: ClusterDiagnostics.SecondsBuckets);

    private static readonly KeyValuePair<string, object?> Persisted = new("outcome", "persisted");
    private static readonly KeyValuePair<string, object?> Failed = new("outcome", "failed");

    /// <summary>Starts timing (and tracing) a persist; dispose when it ends, after <see cref="Measurement.Succeeded"/> if it did.</summary>
    public static Measurement Start(PersistRequest request)
    {
        var span = ClusterDiagnostics.ActivitySource.StartActivity("persist events", ActivityKind.Internal);
        span?.SetTag("matrix.room_id", request.RoomId);
        span?.SetTag("cluster.events", request.Events.Count);
        return new Measurement(span, Stopwatch.GetTimestamp());
    }

    public sealed class Measurement(Activity? span, long started) : IDisposable
    {
        private bool _succeeded;

        public void Succeeded(long firstPosition)
        {
            _succeeded = true;
            span?.SetTag("cluster.position", firstPosition);
        }

        public void Dispose()
        {
            Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _succeeded ? Persisted : Failed);
            if (!_succeeded)
                span?.SetStatus(ActivityStatusCode.Error);
            span?.Dispose();
        }
    }
}
