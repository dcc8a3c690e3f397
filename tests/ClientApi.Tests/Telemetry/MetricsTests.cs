using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;

namespace Cluster.ClientApi.Tests.Telemetry;

/// <summary>
/// /metrics of the single-process homeserver after a message has gone from one user's send to
/// another user's long-polling /sync: every instrument the operators' guide names is there,
/// labelled with the instance. (A cluster's processes serve /metrics on their internal addresses,
/// which the router does not forward; MetricsPortTests covers that.)
/// </summary>
public class MetricsTests
{
    private string _metrics = "";

    [OneTimeSetUp]
    public async Task SendAMessageThenScrape()
    {
        if (Homeserver.IsCluster)
            throw Homeserver.SkipAgainstCluster("scrapes /metrics through the client address");
        await using var server = await Homeserver.StartAsync();
        var alice = await server.RegisterUserAsync();
        var bob = await server.RegisterUserAsync();
        var room = await alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        var since = (await bob.SyncAsync()).NextBatch();

        var polling = bob.SyncAsync(since, timeoutMs: 20_000);
        // The long-poll must be waiting before the message exists, or it answers at once, unwoken.
        await Task.Delay(300);
        await alice.SendMessageAsync(room, "measured");
        var woken = await polling;
        Assert.That(woken.JoinedRoom(room)?.TimelineBodies(), Does.Contain("measured"), "the long-poll delivered the message");
        // A long-poll with nothing for it times out.
        await bob.SyncAsync(woken.NextBatch(), timeoutMs: 100);

        // The exporter caches a scrape briefly: poll until the last instruments show up.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            using (var client = server.NewClient())
                _metrics = await client.Http.GetStringAsync("/metrics");
            if (_metrics.Contains("outcome=\"timed_out\"") && _metrics.Contains("cluster_replication_lag"))
                break;
            await Task.Delay(250);
        } while (DateTime.UtcNow < deadline);
    }

    private IEnumerable<string> Series(string name) =>
        _metrics.Split('\n').Where(line => line.StartsWith(name + "{", StringComparison.Ordinal));

    [TestCase("http_server_request_duration_seconds_count", "http_route=\"/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}\"",
        TestName = "Request_duration_is_exported_by_route")]
    [TestCase("cluster_event_persist_duration_seconds_count", "outcome=\"persisted\"", TestName = "Event_persist_duration_is_exported")]
    [TestCase("cluster_replication_lag_seconds_count", "stream=\"events\"", TestName = "Replication_lag_is_exported_by_stream_and_writer")]
    [TestCase("cluster_sync_wakeups_total", "outcome=\"woken\"", TestName = "Long_polls_woken_by_a_row_are_counted")]
    [TestCase("cluster_sync_wakeups_total", "outcome=\"timed_out\"", TestName = "Long_polls_that_time_out_are_counted")]
    [TestCase("cluster_cache_misses_total", "cache=\"sync_push_rules\"", TestName = "Push_rule_cache_misses_are_counted")]
    [TestCase("dotnet_process_cpu_time_seconds_total", "cpu_mode=\"user\"", TestName = "Process_cpu_time_is_exported")]
    [TestCase("dotnet_process_memory_working_set_bytes", "", TestName = "Process_memory_is_exported")]
    public void Instrument_is_exported_with_the_instance_label(string name, string label)
    {
        var series = Series(name).Where(line => line.Contains(label, StringComparison.Ordinal)).ToList();

        Assert.That(series, Is.Not.Empty, $"{name}{{{label}}} in:\n{_metrics}");
        Assert.That(series, Has.All.Contains("service_instance_id=\"main\""));
    }

    [Test]
    public void Replication_lag_names_the_writer()
    {
        Assert.That(Series("cluster_replication_lag_seconds_count"), Has.Some.Match("writer=\"\\d+\""));
    }
}
