using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Cluster.ClusterTests.Fixtures;

namespace Cluster.ClusterTests.Failover;

/// <summary>
/// A worker cluster behind the router, with its own Redis server, under steady traffic while a
/// process dies: whatever was acknowledged reaches every member's /sync exactly once.
/// </summary>
[NonParallelizable]
public sealed partial class FailoverUnderLoadTests
{
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(60);

    private PrivateRedis _redis = null!;
    private LocalCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task StartCluster()
    {
        _redis = await PrivateRedis.StartAsync();
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

        await _redis.RestartAsync();
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

    /// <summary>A redis-server of this fixture's own, so restarting it disturbs no other test.</summary>
    private sealed class PrivateRedis : IAsyncDisposable
    {
        private readonly int _port;
        private readonly string _directory;
        private Process? _process;

        private PrivateRedis(int port, string directory)
        {
            _port = port;
            _directory = directory;
        }

        public string Configuration => $"127.0.0.1:{_port}";

        public static async Task<PrivateRedis> StartAsync()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var redis = new PrivateRedis(port, Directory.CreateTempSubdirectory("private-redis-").FullName);
            await redis.RunAsync();
            return redis;
        }

        public async Task RestartAsync()
        {
            await StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            await RunAsync();
        }

        private async Task RunAsync()
        {
            _process = Process.Start(new ProcessStartInfo("redis-server",
                ["--port", _port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory])
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("could not start redis-server");
            _process.OutputDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, _port);
                    return;
                }
                catch (SocketException)
                {
                    await Task.Delay(50);
                }
            }
            throw new InvalidOperationException($"redis-server did not listen on {_port}");
        }

        private async Task StopAsync()
        {
            if (_process is { HasExited: false } process)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            _process?.Dispose();
            _process = null;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
