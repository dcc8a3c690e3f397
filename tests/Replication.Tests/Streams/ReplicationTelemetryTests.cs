using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cluster.Replication.Streams;
using Cluster.Replication.Tests.Streams.Support;
using Cluster.Shared.Hosting;

namespace Cluster.Replication.Tests.Streams;

/// <summary>
/// What a follower learns from a writer in another "process" over real Redis besides the rows:
/// how long the update took (the replication lag metric) and the span the rows were written in.
/// </summary>
public class ReplicationTelemetryTests : DatabaseTest
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

    private async Task<StreamWriter<string>> StartWriterAsync()
    {
        var redis = await RedisProcess.ConnectAsync(_channel);
        _cleanup.Add(redis);
        var writer = await StreamWriter<string>.StartAsync(
            TestRowStream.Instance, Database.NewDataSource(), redis.Bus, await Database.RegisterAsync("writer-" + _channel[^6..]));
        _cleanup.Add(writer);
        return writer;
    }

    private async Task<StreamFollower<string>> StartFollowerAsync(Func<StreamBatch<string>, ValueTask> consume)
    {
        var redis = await RedisProcess.ConnectAsync(_channel);
        _cleanup.Add(redis);
        var follower = new StreamFollower<string>(TestRowStream.Instance, Database.NewDataSource(), redis.Bus,
            new StreamFollowerOptions { ProbeTimeout = TimeSpan.FromSeconds(2) });
        follower.AddConsumer(consume);
        await follower.StartAsync(CancellationToken.None);
        _cleanup.Add(follower);
        return follower;
    }

    [Test]
    public async Task A_live_update_records_the_replication_lag_tagged_with_stream_and_writer()
    {
        var lags = new ConcurrentQueue<(double Seconds, string? Stream, object? Writer)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ClusterDiagnostics.Name && instrument.Name == ReplicationTelemetry.LagName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            string? stream = null;
            object? writer = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "stream") stream = tag.Value as string;
                if (tag.Key == "writer") writer = tag.Value;
            }
            lags.Enqueue((value, stream, writer));
        });
        listener.Start();
        var received = new ConcurrentQueue<string>();
        var follower = await StartFollowerAsync(batch =>
        {
            foreach (var row in batch.Rows)
                received.Enqueue(row.Data);
            return ValueTask.CompletedTask;
        });
        var writer = await StartWriterAsync();

        await writer.WriteAsync(["measured"], CancellationToken.None);

        await Eventually.HoldsAsync(() => received.Contains("measured"), "the row arrives");
        Assert.That(follower.Statistics.LiveRows, Is.GreaterThan(0), "the row came over the bus, not from the database");
        // Recorded once the consumers have applied the update, so just after the row arrives.
        await Eventually.HoldsAsync(() => lags.Any(l => l.Stream == "test_rows" && Equals(l.Writer, writer.WriterId)),
            $"a lag measurement tagged stream=test_rows, writer={writer.WriterId} is recorded");
        Assert.That(lags.Where(l => l.Stream == "test_rows").Select(l => l.Seconds), Has.All.InRange(0.0, 10.0));
    }

    [Test]
    public async Task Rows_written_inside_a_recorded_span_reach_the_follower_with_that_span()
    {
        using var testSource = new ActivitySource("Cluster.Replication.Tests.Telemetry");
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source == testSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(activityListener);
        var batches = new ConcurrentQueue<StreamBatch<string>>();
        await StartFollowerAsync(batch =>
        {
            batches.Enqueue(batch);
            return ValueTask.CompletedTask;
        });
        var writer = await StartWriterAsync();

        ActivityContext written;
        using (var span = testSource.StartActivity("write a row"))
        {
            written = span!.Context;
            await writer.WriteAsync(["traced"], CancellationToken.None);
        }
        await writer.WriteAsync(["untraced"], CancellationToken.None);

        await Eventually.HoldsAsync(() => batches.Any(b => b.Rows.Any(r => r.Data == "untraced")), "both rows arrive");
        var traced = batches.SelectMany(b => b.Rows.Select(r => (Row: r, Trace: b.TraceOf(r.Position)))).ToList();
        var tracedRow = traced.Single(t => t.Row.Data == "traced");
        Assert.That((tracedRow.Trace.TraceId, tracedRow.Trace.SpanId), Is.EqualTo((written.TraceId, written.SpanId)));
        Assert.That(tracedRow.Trace.IsRemote, Is.True);
        Assert.That(traced.Single(t => t.Row.Data == "untraced").Trace, Is.EqualTo(default(ActivityContext)));
    }
}
