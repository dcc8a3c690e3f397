using System.Text.RegularExpressions;
using Cluster.ClusterTests.Fixtures;
using Cluster.Replication.Tests.Streams.Support;

namespace Cluster.ClusterTests.Failover;

/// <summary>
/// A worker cluster behind the router, with its own Redis server, under steady traffic while a
/// process dies: whatever was acknowledged reaches every member's /sync exactly once.
/// </summary>
[NonParallelizable]
public sealed partial class FailoverUnderLoadTests
{
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(60);

    private PrivateRedisServer _redis = null!;
    private LocalCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task StartCluster()
    {
        _redis = await PrivateRedisServer.StartAsync();
        var standard = LocalClusterOptions.Standard(persisters: 2, creators: 1, clientReaders: 1, syncReaders: 2, streamWriters: 1);
        _cluster = await LocalCluster.StartAsync(
            new LocalClusterOptions { Instances = standard.Instances, WithRouter = true },
            new Dictionary<string, string> { ["Cluster:Redis"] = _redis.Configuration });
    }

    [TearDown]
    public void PrintWarningsOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status != NUnit.Framework.Interfaces.TestStatus.Failed)
            return;
        foreach (var instance in _cluster.Topology.Instances)
            foreach (var line in _cluster.Output(instance.Name).Split('\n').Where(l => l.Contains("\"level\":\"Warning\"") || l.Contains("\"level\":\"Error\"") || l.Contains("warn:") || l.Contains("fail:")).TakeLast(15))
                TestContext.Out.WriteLine($"{instance.Name}: {line}");
    }

    [OneTimeTearDown]
    public async Task StopCluster()
    {
        await _cluster.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Test]
    public async Task A_sync_reader_killed_under_load_costs_no_event_and_repeats_none()
    {
        await using var traffic = await ClusterTraffic.StartAsync(_cluster);
        await Task.Delay(TimeSpan.FromSeconds(3));

        await _cluster.KillAsync("sync-reader-1");
        await Task.Delay(TimeSpan.FromSeconds(5));
        await traffic.StopAndDrainAsync(Drain);
        await _cluster.RestartAsync("sync-reader-1");

        Assert.That(traffic.Acknowledged, Is.GreaterThan(20));
        Assert.That(traffic.FailedSends, Is.Zero, "sends do not touch sync readers");
        Assert.That(traffic.Missing(), Is.Empty, await traffic.ExplainMissingAsync());
        Assert.That(traffic.Repeated(), Is.Empty);
    }

    [Test]
    public async Task An_event_persister_restarted_under_load_loses_no_acknowledged_event()
    {
        await using var traffic = await ClusterTraffic.StartAsync(_cluster);
        await Task.Delay(TimeSpan.FromSeconds(3));

        await _cluster.KillAsync("event-persister-1");
        await Task.Delay(TimeSpan.FromSeconds(3));
        await _cluster.RestartAsync("event-persister-1");
        await Task.Delay(TimeSpan.FromSeconds(3));
        await traffic.StopAndDrainAsync(Drain);

        // Sends to the dead persister's rooms failed with an error (counted) or waited; none was
        // acknowledged and then lost.
        Assert.That(traffic.Acknowledged, Is.GreaterThan(20));
        Assert.That(traffic.Missing(), Is.Empty, await traffic.ExplainMissingAsync());
        Assert.That(traffic.Repeated(), Is.Empty);
    }

    [Test]
    public async Task Redis_restarted_under_load_every_worker_catches_up()
    {
        await using var traffic = await ClusterTraffic.StartAsync(_cluster);
        await Task.Delay(TimeSpan.FromSeconds(3));

        await _redis.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await _redis.RunAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        await traffic.StopAndDrainAsync(Drain);

        Assert.That(traffic.Acknowledged, Is.GreaterThan(20));
        Assert.That(traffic.Missing(), Is.Empty, await traffic.ExplainMissingAsync());
        Assert.That(traffic.Repeated(), Is.Empty);
    }

    [Test]
    public async Task No_request_on_the_message_path_reaches_main()
    {
        var before = await MainRequestsAsync();
        await using (var traffic = await ClusterTraffic.StartAsync(_cluster))
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            await traffic.StopAndDrainAsync(Drain);
            Assert.That(traffic.Acknowledged, Is.GreaterThan(10));
        }
        var after = await MainRequestsAsync();

        Assert.That(after, Is.EqualTo(before), "Main served requests during the traffic");
    }

    /// <summary>Main's served requests by route, from its Prometheus metrics (its own scrapes excluded).</summary>
    private async Task<double> MainRequestsAsync()
    {
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(_cluster.Internal("main"), "metrics"));
        return RequestCount().Matches(metrics)
            .Where(m => !m.Value.Contains("/metrics", StringComparison.Ordinal) && !m.Value.Contains("/health", StringComparison.Ordinal))
            .Sum(m => double.Parse(m.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^http_server_request_duration_seconds_count\{(?<labels>[^}]*)\} (?<count>[0-9.e+]+)", RegexOptions.Multiline)]
    private static partial Regex RequestCount();
}
