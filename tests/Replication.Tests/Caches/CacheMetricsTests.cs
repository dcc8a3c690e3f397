using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Cluster.Replication.Caches;
using Cluster.Shared.Hosting;

namespace Cluster.Replication.Tests.Caches;

/// <summary>The cache counters, observed the way an exporter does (a meter listener), for a cache named after the test.</summary>
public class CacheMetricsTests
{
    private readonly ConcurrentQueue<(string Instrument, string? Cache)> _counted = new();
    private MeterListener _listener = null!;
    private string _name = "";

    [SetUp]
    public void Listen()
    {
        _name = "cache-" + Guid.NewGuid().ToString("N")[..8];
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ClusterDiagnostics.Name && instrument.Name.StartsWith("cluster.cache.", StringComparison.Ordinal))
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "cache" && tag.Value as string == _name)
                    _counted.Enqueue((instrument.Name, _name));
        });
        _listener.Start();
    }

    [TearDown]
    public void Stop() => _listener.Dispose();

    private int Count(string instrument) => _counted.Count(c => c.Instrument == instrument);

    [Test]
    public async Task A_first_lookup_is_a_miss_and_the_next_a_hit()
    {
        var cache = new InvalidatableCache<string>(_name);

        await cache.GetOrLoadAsync("a", (key, _) => ValueTask.FromResult(key), CancellationToken.None);
        await cache.GetOrLoadAsync("a", (key, _) => ValueTask.FromResult(key), CancellationToken.None);

        Assert.That((Count(CacheMetrics.MissesName), Count(CacheMetrics.HitsName)), Is.EqualTo((1, 1)));
    }

    [Test]
    public void An_invalidation_applied_through_the_registry_is_counted_for_its_cache()
    {
        var registry = new CacheRegistry();
        registry.Register(new InvalidatableCache<string>(_name));

        registry.Apply(new CacheInvalidation(_name, ["a"]));
        registry.Apply(CacheInvalidation.All(_name));
        registry.Apply(CacheInvalidation.All("a-cache-this-process-does-not-have"));

        Assert.That(Count(CacheMetrics.InvalidationsName), Is.EqualTo(2));
    }
}
