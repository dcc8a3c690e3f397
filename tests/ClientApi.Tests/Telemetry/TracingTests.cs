using System.Diagnostics;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;
using OpenTelemetry.Trace;

namespace Cluster.ClientApi.Tests.Telemetry;

/// <summary>
/// One message's trace in the single-process homeserver, collected by an in-memory exporter:
/// the send request, the persist inside it, the publish onto the bus and the sync reader's
/// wake-up in the same trace, and the long-poll's delivery linked back to the persist.
/// </summary>
public class TracingTests
{
    private readonly CollectedSpans _spans = new();
    private Homeserver _server = null!;
    // What the tests need of the send request's and the persist's spans (spans are disposable, so not kept as fields).
    private (ActivityTraceId TraceId, ActivitySpanId SpanId, object? Route) _send;
    private (ActivityTraceId TraceId, ActivitySpanId SpanId, object? Room) _persist;
    private string _room = "";

    [OneTimeSetUp]
    public async Task SendAMessageToALongPollingSync()
    {
        _server = await Homeserver.StartAsync(
            new Dictionary<string, string> { ["Cluster:Telemetry:Tracing"] = "true" },
            services: services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans)));
        var alice = await _server.RegisterUserAsync();
        var bob = await _server.RegisterUserAsync();
        _room = await alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(_room)).Ok();
        var since = (await bob.SyncAsync()).NextBatch();

        var polling = bob.SyncAsync(since, timeoutMs: 20_000);
        await Task.Delay(300);
        var txnId = Guid.NewGuid().ToString("N");
        (await alice.SendAsync(_room, "traced", txnId)).Ok();
        Assert.That((await polling).JoinedRoom(_room)?.TimelineBodies(), Does.Contain("traced"));

        // Server spans end after their response is written: wait for the send's and the sync's.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && !(Sends(txnId).Any() && Deliveries().Any()))
            await Task.Delay(50);
        var send = Sends(txnId).Single();
        _send = (send.TraceId, send.SpanId, send.GetTagItem("http.route"));
        var persist = _spans.Snapshot().Single(s => s.DisplayName == "persist events" && s.TraceId == send.TraceId);
        _persist = (persist.TraceId, persist.SpanId, persist.GetTagItem("matrix.room_id"));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        // Null when the fixture was skipped against a cluster.
        if (_server is not null)
            await _server.DisposeAsync();
    }

    private IEnumerable<Activity> Sends(string txnId) =>
        _spans.Snapshot().Where(s => s.Kind == ActivityKind.Server && s.GetTagItem("url.path") is string path && path.EndsWith(txnId, StringComparison.Ordinal));

    private IEnumerable<Activity> Deliveries() => _spans.Snapshot().Where(s => s.DisplayName == "sync deliver");

    [Test]
    public void The_send_request_span_is_named_by_its_route() =>
        Assert.That(_send.Route, Is.EqualTo("/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}"));

    [Test]
    public void The_persist_span_is_a_child_in_the_send_requests_trace()
    {
        Assert.That(_persist.Room, Is.EqualTo(_room));
        Assert.That(_persist.TraceId, Is.EqualTo(_send.TraceId));
        Assert.That(IsDescendantOf(_persist.SpanId, _send.SpanId), Is.True, "persist events under the send request");
    }

    [Test]
    public void The_bus_publish_is_a_child_of_the_persist()
    {
        var publish = _spans.Snapshot().Where(s => s.DisplayName == "replication publish" && s.ParentSpanId == _persist.SpanId).ToList();

        Assert.That(publish, Has.Count.EqualTo(1));
        Assert.That(publish[0].GetTagItem("cluster.stream"), Is.EqualTo("events"));
    }

    [Test]
    public void The_sync_wake_up_joins_the_persists_trace()
    {
        var wakeUps = _spans.Snapshot().Where(s => s.DisplayName == "sync wake-up" && s.ParentSpanId == _persist.SpanId).ToList();

        Assert.That(wakeUps, Is.Not.Empty);
        Assert.That(wakeUps, Has.All.Property(nameof(Activity.TraceId)).EqualTo(_send.TraceId));
    }

    [Test]
    public void The_sync_delivery_links_to_the_persist_span()
    {
        var linked = Deliveries().Where(d => d.Links.Any(l => l.Context.TraceId == _persist.TraceId && l.Context.SpanId == _persist.SpanId)).ToList();

        Assert.That(linked, Has.Count.EqualTo(1), "one long-poll delivered the message");
        var delivery = linked[0];
        Assert.That(delivery.TraceId, Is.Not.EqualTo(_send.TraceId), "the delivery belongs to the /sync request's own trace");
        var sync = _spans.Snapshot().Single(s => s.SpanId == delivery.ParentSpanId);
        Assert.That(sync.GetTagItem("http.route"), Is.EqualTo("/_matrix/client/v3/sync"));
    }

    [Test]
    public async Task A_caller_that_records_nothing_does_not_turn_tracing_off()
    {
        // A router without tracing still forwards its request's traceparent, flagged not sampled.
        var traceId = ActivityTraceId.CreateRandom();
        // Our own header, not one HttpClient injects for the test's (traced, same-process) client span.
        using var client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = _server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_matrix/client/versions");
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-00");
        using (await client.SendAsync(request)) { }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && !_spans.Snapshot().Any(s => s.TraceId == traceId))
            await Task.Delay(50);
        Assert.That(_spans.Snapshot().Where(s => s.TraceId == traceId && s.Kind == ActivityKind.Server), Is.Not.Empty);
    }

    private bool IsDescendantOf(ActivitySpanId span, ActivitySpanId ancestor)
    {
        var parents = _spans.Snapshot().ToDictionary(s => s.SpanId, s => s.ParentSpanId);
        for (var current = span; parents.TryGetValue(current, out var parent); current = parent)
            if (parent == ancestor)
                return true;
        return false;
    }
}
