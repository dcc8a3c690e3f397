using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cluster.Integration.Tests.Fixtures;
using Cluster.Main;
using Cluster.Workers.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Cluster.ClientApi.Tests.Fixtures;

/// <summary>
/// A small worker cluster built in this process from a topology file: Main, <c>worker-a</c>
/// (every worker role the client API needs) and <c>worker-b</c> (a second client reader and
/// sync reader), sharing a database of their own and Redis on a channel of their own, each
/// spoken to directly on its listen address (no router).
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<WebApplication> _processes;
    private readonly TestDatabase _database;
    private readonly string _folder;
    private readonly Dictionary<string, Uri> _addresses;

    private TestCluster(List<WebApplication> processes, TestDatabase database, string folder, Dictionary<string, Uri> addresses)
    {
        _processes = processes;
        _database = database;
        _folder = folder;
        _addresses = addresses;
    }

    public const string ServerName = "cluster.test";

    public static async Task<TestCluster> StartAsync()
    {
        var database = await TestDatabase.CreateAsync();
        var folder = System.IO.Directory.CreateTempSubdirectory("cluster-test-").FullName;
        var ports = FreePorts(7);
        var instances = new (string Name, string[] Roles)[]
        {
            ("main", ["main"]),
            ("worker-a", ["client_reader", "event_creator", "event_persister", "sync_reader", "stream_writer"]),
            ("worker-b", ["client_reader", "sync_reader"]),
        };
        var addresses = new Dictionary<string, Uri>(StringComparer.Ordinal);
        var list = new JsonArray();
        for (var i = 0; i < instances.Length; i++)
        {
            var (name, roles) = instances[i];
            var entry = new JsonObject
            {
                ["name"] = name,
                ["roles"] = new JsonArray([.. roles.Select(r => (JsonNode)r)]),
                ["listen"] = $"127.0.0.1:{ports[2 * i]}",
                ["internal"] = $"127.0.0.1:{ports[2 * i + 1]}",
            };
            if (roles.Contains("event_persister"))
                entry["shard"] = 0;
            list.Add(entry);
            addresses[name] = new Uri($"http://127.0.0.1:{ports[2 * i]}");
        }
        var writers = new JsonObject();
        foreach (var stream in new[] { "typing", "receipts", "to_device", "account_data", "presence", "push_rules" })
            writers[stream] = "worker-a";
        var topology = new JsonObject
        {
            ["cluster_secret"] = RandomNumberGenerator.GetHexString(48),
            ["instances"] = list,
            ["stream_writers"] = writers,
            ["federation_senders"] = new JsonArray(),
            ["router"] = new JsonObject { ["listen"] = $"127.0.0.1:{ports[6]}" },
        };
        var topologyFile = Path.Combine(folder, "topology.json");
        await File.WriteAllTextAsync(topologyFile, topology.ToJsonString());

        string[] common =
        [
            "--topology", topologyFile,
            $"--Cluster:ServerName={ServerName}",
            $"--Cluster:Postgres={database.ConnectionString}",
            $"--Cluster:Redis={BackingServices.Redis}",
            "--Cluster:Registration:Enabled=true",
            // Other clusters on the same Redis (other tests, a developer's) must not see its rows.
            $"--Cluster:RedisChannel=cluster.test.{Guid.NewGuid():N}",
        ];
        var processes = new List<WebApplication>();
        var cluster = new TestCluster(processes, database, folder, addresses);
        try
        {
            // Main first: it migrates the schema the workers need.
            var main = MainHost.Build(common, Quiet);
            processes.Add(main);
            await main.StartAsync();
            foreach (var name in new[] { "worker-a", "worker-b" })
            {
                var worker = ProcessHost.Build([.. common, "--instance", name], ProcessKind.Worker, addStartup: _ => { },
                    configure: Quiet);
                processes.Add(worker);
                await worker.StartAsync();
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    private static void Quiet(WebApplicationBuilder builder) => builder.Logging.SetMinimumLevel(LogLevel.Warning);

    /// <summary>A client of one instance's public address.</summary>
    public MatrixTestClient NewClient(string instance, string? accessToken = null) => new(new HttpClient
    {
        BaseAddress = _addresses[instance],
        Timeout = TimeSpan.FromSeconds(60),
    }, accessToken);

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var listener in listeners)
            listener.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var listener in listeners)
            listener.Stop();
        return ports;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].StopAsync();
            await _processes[i].DisposeAsync();
        }
        await _database.DisposeAsync();
        System.IO.Directory.Delete(_folder, recursive: true);
    }
}
