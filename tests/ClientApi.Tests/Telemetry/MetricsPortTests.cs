using System.Net;
using System.Net.Sockets;
using Cluster.Workers.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Cluster.ClientApi.Tests.Telemetry;

/// <summary>
/// In a worker cluster /metrics answers on the instance's internal address only: the router
/// forwards the public one, and clients have no business reading a process's metrics.
/// A worker of a topology is built in-process, without a database (it then hosts no role).
/// </summary>
public class MetricsPortTests
{
    private WebApplication _worker = null!;
    private string _folder = "";
    private IPEndPoint _listen = null!;
    private IPEndPoint _internal = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task StartWorker()
    {
        _folder = System.IO.Directory.CreateTempSubdirectory("telemetry-topology-").FullName;
        var ports = Enumerable.Range(0, 16).Select(_ => FreePort()).ToArray();
        string Address(int i) => $"127.0.0.1:{ports[i]}";
        var topology = Path.Combine(_folder, "topology.json");
        await File.WriteAllTextAsync(topology, $$"""
            {
              "cluster_secret": "{{new string('s', 40)}}",
              "instances": [
                { "name": "main", "roles": ["main"], "listen": "{{Address(0)}}", "internal": "{{Address(1)}}" },
                { "name": "persister", "roles": ["event_persister"], "shard": 0, "listen": "{{Address(2)}}", "internal": "{{Address(3)}}" },
                { "name": "reader", "roles": ["sync_reader", "client_reader", "event_creator"], "listen": "{{Address(4)}}", "internal": "{{Address(5)}}" },
                { "name": "writer", "roles": ["stream_writer"], "listen": "{{Address(6)}}", "internal": "{{Address(7)}}" }
              ],
              "stream_writers": { "typing": "writer", "receipts": "writer", "to_device": "writer", "account_data": "writer", "presence": "writer", "push_rules": "writer" },
              "router": { "listen": "{{Address(8)}}" }
            }
            """);
        _listen = IPEndPoint.Parse(Address(4));
        _internal = IPEndPoint.Parse(Address(5));
        _worker = ProcessHost.Build(
            ["--topology", topology, "--instance", "reader", "--Cluster:Postgres="],
            ProcessKind.Worker, addStartup: _ => { }, configure: builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await _worker.StartAsync();
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
    }

    [OneTimeTearDown]
    public async Task StopWorker()
    {
        _http.Dispose();
        await _worker.StopAsync();
        await _worker.DisposeAsync();
        System.IO.Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Metrics_answer_on_the_internal_address_labelled_with_the_instance()
    {
        using var response = await _http.GetAsync($"http://{_internal}/metrics");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("service_instance_id=\"reader\""));
    }

    [Test]
    public async Task Metrics_on_the_public_address_are_404_M_UNRECOGNIZED()
    {
        using var response = await _http.GetAsync($"http://{_listen}/metrics");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("M_UNRECOGNIZED"));
    }

    [Test]
    public async Task A_public_request_naming_the_internal_port_in_its_host_is_still_refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{_listen}/metrics");
        request.Headers.Host = _internal.ToString();

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
