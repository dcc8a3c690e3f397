using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Integration.Tests.Fixtures;
using Cluster.Shared.Configuration.Topology;

namespace Cluster.ClusterTests.Fixtures;

/// <summary>
/// A real worker cluster on loopback: Main and one process per instance (Cluster.Main.dll and
/// Cluster.Workers.dll from the test's output folder), started from a generated topology on free
/// ports, against a database of its own and the test Redis on a channel of its own. Instances can
/// be killed (SIGKILL) and restarted; disposing stops them all and drops the database.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private const string MainName = "main";
    private const string RouterName = "router";
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly TestDatabase _database;
    private readonly string _directory;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly ConcurrentDictionary<string, ClusterProcess> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _output = new(StringComparer.Ordinal);
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private LocalCluster(TestDatabase database, string directory, ClusterTopology topology, string topologyPath,
        string serverName, IReadOnlyDictionary<string, string> environment)
    {
        _database = database;
        _directory = directory;
        Topology = topology;
        TopologyPath = topologyPath;
        ServerName = serverName;
        _environment = environment;
    }

    public ClusterTopology Topology { get; }

    public string TopologyPath { get; }

    public string ServerName { get; }

    public string DatabaseConnectionString => _database.ConnectionString;

    /// <summary>
    /// Writes the topology, starts Main (which migrates the schema), then every worker, and
    /// returns once all answer <c>/health</c>. <paramref name="settings"/> are extra configuration
    /// keys ("Cluster:Registration:Enabled" = "false") for every process; registration is open
    /// unless they say otherwise.
    /// </summary>
    public static async Task<LocalCluster> StartAsync(
        LocalClusterOptions options, IReadOnlyDictionary<string, string>? settings = null, CancellationToken cancellationToken = default)
    {
        var database = await TestDatabase.CreateAsync(cancellationToken);
        var directory = Directory.CreateTempSubdirectory("local-cluster-").FullName;
        LocalCluster? cluster = null;
        try
        {
            var topologyPath = Path.Combine(directory, "topology.json");
            await File.WriteAllTextAsync(topologyPath, TopologyJson(options).ToJsonString(new JsonSerializerOptions { WriteIndented = true }),
                cancellationToken);
            var topology = ClusterTopology.Load(topologyPath);
            var serverName = options.NamedAfterRouter ? topology.Router.Listen.ToString() : options.ServerName;
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Cluster__Postgres"] = database.ConnectionString,
                ["Cluster__Redis"] = BackingServices.Redis,
                ["Cluster__RedisChannel"] = $"local-cluster.{database.Name}",
                ["Cluster__ServerName"] = serverName,
                ["Cluster__Registration__Enabled"] = "true",
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            };
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
                environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            cluster = new LocalCluster(database, directory, topology, topologyPath, serverName, environment);

            await cluster.StartInstanceAsync(MainName, cancellationToken);
            await Task.WhenAll(topology.Instances.Where(i => i.Name != MainName)
                .Select(i => cluster.StartInstanceAsync(i.Name, cancellationToken)));
            if (options.WithRouter)
                await cluster.StartRouterAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            if (cluster is not null)
                await cluster.DisposeAsync();
            else
            {
                await database.DisposeAsync();
                Directory.Delete(directory, recursive: true);
            }
            throw;
        }
    }

    /// <summary>The router's address: the cluster's one base URL (when started <see cref="LocalClusterOptions.WithRouter"/>).</summary>
    public Uri RouterUri => new($"http://{Topology.Router.Listen}/");

    /// <summary>The operating system's process ID of a running instance (or "router").</summary>
    public int ProcessId(string name) => _running[name].Id;

    /// <summary>The instance's public address (what the router would forward to).</summary>
    public Uri Instance(string name) => Topology.Instance(name).ListenUri;

    /// <summary>The instance's internal address (internal calls, health, metrics).</summary>
    public Uri Internal(string name) => Topology.Instance(name).InternalUri;

    /// <summary>A client of <paramref name="name"/>'s public address.</summary>
    public MatrixTestClient Client(string name, string? accessToken = null) =>
        new(new HttpClient { BaseAddress = Instance(name), Timeout = TimeSpan.FromSeconds(60) }, accessToken);

    public bool IsRunning(string name) => _running.TryGetValue(name, out var process) && !process.HasExited;

    /// <summary>What the instance printed (its last few thousand lines), across restarts.</summary>
    public string Output(string name) => _output.TryGetValue(name, out var lines) ? string.Join('\n', lines) : "";

    /// <summary>SIGKILL, as a crash: nothing is flushed or announced.</summary>
    public async Task KillAsync(string name)
    {
        if (_running.TryRemove(name, out var process))
        {
            Record(name, "[LocalCluster] SIGKILL");
            await process.KillAsync();
        }
    }

    /// <summary>Stops the instance (SIGTERM) if it runs, starts it again under the same name and waits until it is healthy.</summary>
    public async Task RestartAsync(string name, CancellationToken cancellationToken = default)
    {
        if (_running.TryRemove(name, out var process))
            await process.StopAsync(StopGrace);
        await StartInstanceAsync(name, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        var stopping = _running.Values.ToList();
        _running.Clear();
        await Task.WhenAll(stopping.Select(p => p.StopAsync(StopGrace)));
        _probe.Dispose();
        await _database.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }

    private async Task StartRouterAsync(CancellationToken cancellationToken)
    {
        Record(RouterName, "[LocalCluster] starting Cluster.Router.dll");
        var process = ClusterProcess.Start("Cluster.Router.dll", ["--topology", TopologyPath], _environment,
            _output.GetOrAdd(RouterName, _ => new ConcurrentQueue<string>()));
        _running[RouterName] = process;
        await WaitForAsync(RouterName, process, new Uri(RouterUri, "_router/health"), cancellationToken);
    }

    private async Task StartInstanceAsync(string name, CancellationToken cancellationToken)
    {
        var instance = Topology.Instance(name);
        var dll = instance.Has(Roles.Main) ? "Cluster.Main.dll" : "Cluster.Workers.dll";
        Record(name, $"[LocalCluster] starting {dll} --instance {name}");
        var process = ClusterProcess.Start(dll, ["--topology", TopologyPath, "--instance", name], _environment,
            _output.GetOrAdd(name, _ => new ConcurrentQueue<string>()));
        if (!_running.TryAdd(name, process))
        {
            await process.KillAsync();
            throw new InvalidOperationException($"Instance {name} is already running.");
        }
        await WaitUntilHealthyAsync(name, process, cancellationToken);
    }

    private Task WaitUntilHealthyAsync(string name, ClusterProcess process, CancellationToken cancellationToken) =>
        WaitForAsync(name, process, new Uri(Internal(name), "health"), cancellationToken);

    private async Task WaitForAsync(string name, ClusterProcess process, Uri health, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartLimit;
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"Instance {name} exited during start:\n{Tail(name)}");
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"Instance {name} was not healthy within {StartLimit.TotalSeconds} s:\n{Tail(name)}");
            try
            {
                using var response = await _probe.GetAsync(health, cancellationToken);
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Listening but busy starting.
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    private string Tail(string name) => string.Join('\n', Output(name).Split('\n').TakeLast(60));

    private void Record(string name, string line) => _output.GetOrAdd(name, _ => new ConcurrentQueue<string>()).Enqueue(line);

    private static JsonObject TopologyJson(LocalClusterOptions options)
    {
        var specs = new List<ClusterInstanceSpec> { new(MainName, [Roles.Main]) };
        specs.AddRange(options.Instances);
        var ports = FreePorts(2 * specs.Count + 1);
        var instances = new JsonArray();
        var shard = 0;
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var instance = new JsonObject
            {
                ["name"] = spec.Name,
                ["roles"] = new JsonArray([.. spec.Roles.Select(r => (JsonNode)r)]),
                ["listen"] = $"127.0.0.1:{ports[2 * i]}",
                ["internal"] = $"127.0.0.1:{ports[2 * i + 1]}",
            };
            if (spec.Roles.Contains(Roles.EventPersister))
                instance["shard"] = shard++;
            instances.Add(instance);
        }
        var writer = specs.First(s => s.Roles.Contains(Roles.StreamWriter)).Name;
        var streamWriters = new JsonObject();
        foreach (var stream in ClusterTopology.WrittenStreams)
            streamWriters[stream] = writer;
        return new JsonObject
        {
            ["cluster_secret"] = RandomNumberGenerator.GetHexString(48, lowercase: true),
            ["instances"] = instances,
            ["stream_writers"] = streamWriters,
            ["federation_senders"] = new JsonArray([.. specs.Where(s => s.Roles.Contains(Roles.FederationSender)).Select(s => (JsonNode)s.Name)]),
            ["router"] = new JsonObject { ["listen"] = $"127.0.0.1:{ports[^1]}" },
        };
    }

    // Held open together, so no two are the same; released just before the processes bind them.
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var listener in listeners)
                listener.Start();
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
                listener.Stop();
        }
    }
}
