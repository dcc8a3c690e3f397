using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Cluster.Integration.Tests.Fixtures;

namespace Cluster.Integration.Tests.StreamWrites;

/// <summary>
/// A small worker cluster of real processes on a database and Redis channel of its own: Main;
/// two stream writers splitting the streams (<see cref="Writer1"/> typing and receipts,
/// <see cref="Writer2"/> to-device, account data, presence and push rules); and one worker
/// that is client reader, event creator, the only event persister and sync reader.
/// </summary>
internal sealed class StreamWritesCluster : IAsyncDisposable
{
    public const string ServerName = "localhost";
    public const string Writer1 = "stream-writer-1";
    public const string Writer2 = "stream-writer-2";
    public const string Worker = "worker-1";

    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    private readonly TestDatabase _database;
    private readonly string _directory;
    private readonly List<Node> _nodes = [];

    private StreamWritesCluster(TestDatabase database, string directory, string secret)
    {
        _database = database;
        _directory = directory;
        Secret = secret;
    }

    /// <summary>The topology's cluster secret, for tests that call internal endpoints.</summary>
    public string Secret { get; }

    public static async Task<StreamWritesCluster> StartAsync()
    {
        var database = await TestDatabase.CreateAsync();
        var directory = Directory.CreateTempSubdirectory("streamwrites-").FullName;
        var cluster = new StreamWritesCluster(database, directory, Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"));
        try
        {
            await cluster.LaunchAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The public (client API) address of an instance.</summary>
    public Uri Public(string instance) => NodeOf(instance).Public;

    /// <summary>The internal address of an instance.</summary>
    public Uri Internal(string instance) => NodeOf(instance).Internal;

    /// <summary>A client of <paramref name="instance"/>'s client API.</summary>
    public MatrixClient Client(string instance, string? accessToken = null) => new(Public(instance), accessToken);

    /// <summary>What every process printed, for a failing test's report.</summary>
    public string Output => string.Join("\n\n", _nodes.Select(n => $"--- {n.Name}\n{n.Output}"));

    private Node NodeOf(string name) => _nodes.Single(n => n.Name == name);

    private async Task LaunchAsync()
    {
        (string Name, string[] Roles, int? Shard)[] instances =
        [
            ("main", ["main"], null),
            (Writer1, ["stream_writer"], null),
            (Writer2, ["stream_writer"], null),
            (Worker, ["client_reader", "event_creator", "event_persister", "sync_reader"], 0),
        ];
        var ports = FreePorts(instances.Length * 2 + 1);
        var topology = new JsonObject
        {
            ["cluster_secret"] = Secret,
            ["instances"] = new JsonArray([.. instances.Select((instance, i) =>
            {
                var node = new Node(instance.Name, ports[2 * i], ports[2 * i + 1]);
                _nodes.Add(node);
                var json = new JsonObject
                {
                    ["name"] = instance.Name,
                    ["roles"] = new JsonArray([.. instance.Roles.Select(r => (JsonNode)r)]),
                    ["listen"] = $"127.0.0.1:{node.Public.Port}",
                    ["internal"] = $"127.0.0.1:{node.Internal.Port}",
                };
                if (instance.Shard is { } shard)
                    json["shard"] = shard;
                return (JsonNode)json;
            })]),
            ["stream_writers"] = new JsonObject
            {
                ["typing"] = Writer1,
                ["receipts"] = Writer1,
                ["to_device"] = Writer2,
                ["account_data"] = Writer2,
                ["presence"] = Writer2,
                ["push_rules"] = Writer2,
            },
            ["router"] = new JsonObject { ["listen"] = $"127.0.0.1:{ports[^1]}" },
        };
        var topologyFile = Path.Combine(_directory, "topology.json");
        await File.WriteAllTextAsync(topologyFile, topology.ToJsonString());

        // Main migrates; the workers wait for the schema, so they may start at once.
        foreach (var node in _nodes)
            node.Start(topologyFile, _database.ConnectionString, redisChannel: "test.streamwrites." + _database.Name);
        await Task.WhenAll(_nodes.Select(n => n.WaitHealthyAsync(StartLimit)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
            await node.DisposeAsync();
        await _database.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int[] FreePorts(int count)
    {
        // All held open until every one is chosen, so none is handed out twice.
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    /// <summary>One process of the cluster.</summary>
    private sealed class Node(string name, int publicPort, int internalPort) : IAsyncDisposable
    {
        private readonly ConcurrentQueue<string> _output = new();
        private Process? _process;

        public string Name => name;
        public Uri Public { get; } = new($"http://127.0.0.1:{publicPort}/");
        public Uri Internal { get; } = new($"http://127.0.0.1:{internalPort}/");
        public string Output => string.Join('\n', _output);

        public void Start(string topologyFile, string postgres, string redisChannel)
        {
            var dll = name == "main" ? "Cluster.Main.dll" : "Cluster.Workers.dll";
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, dll), "--topology", topologyFile, "--instance", name])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.Environment["Cluster__Postgres"] = postgres;
            start.Environment["Cluster__Redis"] = BackingServices.Redis;
            start.Environment["Cluster__RedisChannel"] = redisChannel;
            start.Environment["Cluster__ServerName"] = ServerName;
            start.Environment["Cluster__Registration__Enabled"] = "true";
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
            _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public async Task WaitHealthyAsync(TimeSpan limit)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow + limit;
            while (DateTime.UtcNow < deadline)
            {
                if (_process is null || _process.HasExited)
                    Assert.Fail($"{name} exited while starting:\n{string.Join('\n', _output)}");
                try
                {
                    using var response = await http.GetAsync(new Uri(Internal, "health"));
                    if (response.IsSuccessStatusCode)
                        return;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }
                await Task.Delay(100);
            }
            Assert.Fail($"{name} did not answer /health within {limit.TotalSeconds} s:\n{string.Join('\n', _output)}");
        }

        public async ValueTask DisposeAsync()
        {
            if (_process is null)
                return;
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
