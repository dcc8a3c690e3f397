using System.Diagnostics.Metrics;
using Cluster.Shared.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Cluster.Shared.Tests.Hosting;

/// <summary>
/// How many series each metric keeps (<see cref="Telemetry.MetricStreamSize"/>): the SDK
/// allocates that many points per metric up front, so a small limit is memory an idle process
/// does not hold.
/// </summary>
public class MetricStreamSizeTests
{
    private const string OverflowTag = "otel.metric.overflow";

    [Test]
    public void A_metric_keeps_the_small_limit_of_series_and_folds_the_rest_into_one_overflow_series()
    {
        using var meter = new Meter(NewMeterName());
        var counter = meter.CreateCounter<long>("cluster.test.count");
        var exported = Export(meter, () =>
        {
            for (var i = 0; i < Telemetry.MetricStreamSize.Small + 50; i++)
                counter.Add(1, new KeyValuePair<string, object?>("stream", $"s{i}"));
        });

        var points = Points(exported.Single());
        Assert.That(points.Count(p => !IsOverflow(p)), Is.EqualTo(Telemetry.MetricStreamSize.Small));
        Assert.That(points.Single(IsOverflow).GetSumLong(), Is.EqualTo(50));
    }

    [TestCase("http.server.request.duration")]
    [TestCase("http.client.request.duration")]
    public void Request_durations_keep_more_series_than_the_small_limit(string name)
    {
        using var meter = new Meter(NewMeterName());
        var histogram = meter.CreateHistogram<double>(name, "s");
        var series = Telemetry.MetricStreamSize.Small + 50;
        var exported = Export(meter, () =>
        {
            for (var i = 0; i < series; i++)
                histogram.Record(0.01, new KeyValuePair<string, object?>("http.route", $"/r{i}"));
        });

        var points = Points(exported.Single());
        Assert.That(points, Has.Count.EqualTo(series));
        Assert.That(points, Has.None.Matches<MetricPoint>(IsOverflow));
    }

    [Test]
    public void A_histogram_keeps_the_bucket_bounds_its_instrument_advises()
    {
        using var meter = new Meter(NewMeterName());
        var histogram = meter.CreateHistogram("cluster.test.latency", "s", null, null, ClusterDiagnostics.SecondsBuckets);
        var exported = Export(meter, () => histogram.Record(0.0002));

        var point = Points(exported.Single()).Single();
        var bounds = new List<double>();
        foreach (var bucket in point.GetHistogramBuckets())
            bounds.Add(bucket.ExplicitBound);
        Assert.That(bounds, Is.EqualTo(ClusterDiagnostics.SecondsBuckets.HistogramBucketBoundaries!.Append(double.PositiveInfinity)));
    }

    // Tests run in parallel: each listens to a meter of its own.
    private static string NewMeterName() => $"Cluster.Tests.{Guid.NewGuid():N}";

    // The metrics of one export (disposing the provider exports once more).
    private static List<MetricSnapshot> Export(Meter meter, Action record)
    {
        var exported = new List<MetricSnapshot>();
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meter.Name)
            .AddView(Telemetry.MetricStreamSize.For)
            .AddInMemoryExporter(exported)
            .Build();
        record();
        provider.ForceFlush();
        return [.. exported];
    }

    private static IReadOnlyList<MetricPoint> Points(MetricSnapshot metric) => metric.MetricPoints;

    private static bool IsOverflow(MetricPoint point)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == OverflowTag)
                return true;
        return false;
    }
}
