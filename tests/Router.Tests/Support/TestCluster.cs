using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Cluster.Shared.Configuration.Topology;

namespace Cluster.Router.Tests.Support;

/// <summary>What the router answered: the status and the JSON body (a fake instance's report, or an error).</summary>
internal sealed record RoutedAnswer(HttpStatusCode Status, JsonObject? Body, HttpResponseHeaders Headers)
{
    /// <summary>The instance that answered, or null when the router answered itself.</summary>
    public string? Instance => Body?["instance"]?.GetValue<string>();

    public string? ErrCode => Body?["errcode"]?.GetValue<string>();

    public string Field(string name) => Body?[name]?.GetValue<string>() ?? throw new AssertionException($"no '{name}' in {Body?.ToJsonString()}");
}

/// <summary>
/// A topology of fake instances on free loopback ports, written to a file, the fakes started in
/// the test process and the real router binary started on the file. Instances:
/// main; event-persister-1; sync-reader-1..3; client-reader-1..2; event-creator-1;
/// stream-writer-1 (typing, receipts, to_device) and stream-writer-2 (account_data, push_rules, presence).
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public const long MaxBodyBytes = 64 * 1024;

    private static readonly (string Name, string Role)[] Layout =
    [
        ("main", Roles.Main),
        ("event-persister-1", Roles.EventPersister),
        ("sync-reader-1", Roles.SyncReader),
        ("sync-reader-2", Roles.SyncReader),
        ("sync-reader-3", Roles.SyncReader),
        ("client-reader-1", Roles.ClientReader),
        ("client-reader-2", Roles.ClientReader),
        ("event-creator-1", Roles.EventCreator),
        ("stream-writer-1", Roles.StreamWriter),
        ("stream-writer-2", Roles.StreamWriter),
    ];

    private readonly Dictionary<string, FakeInstance> _instances;
    private readonly string _directory;
    private RouterProcess? _router;

    private TestCluster(Dictionary<string, FakeInstance> instances, string directory, int routerPort)
    {
        _instances = instances;
        _directory = directory;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{routerPort}"), Timeout = TimeSpan.FromSeconds(20) };
    }

    /// <summary>A client of the router: the one base URL.</summary>
    public HttpClient Http { get; }

    public FakeInstance this[string name] => _instances[name];

    public IEnumerable<FakeInstance> Instances => _instances.Values;

    public IEnumerable<FakeInstance> WithRole(string role) => _instances.Values.Where(i => i.Roles.Contains(role));

    public string RouterOutput => _router?.Output ?? "";

    public static async Task<TestCluster> StartAsync(double healthCheckIntervalSeconds = 0.5)
    {
        var ports = FreePorts(Layout.Length * 2 + 1);
        var instances = Layout
            .Select((entry, i) => new FakeInstance(entry.Name, [entry.Role], ports[2 * i], ports[2 * i + 1]))
            .ToDictionary(instance => instance.Name);
        var directory = Directory.CreateTempSubdirectory("router-tests-").FullName;
        var cluster = new TestCluster(instances, directory, ports[^1]);
        try
        {
            var topologyFile = Path.Combine(directory, "topology.json");
            await File.WriteAllTextAsync(topologyFile, Topology(instances.Values, ports[^1], healthCheckIntervalSeconds).ToJsonString());
            ClusterTopology.Load(topologyFile); // fails here, clearly, if the test's topology is wrong
            foreach (var instance in instances.Values)
                await instance.StartAsync();
            cluster._router = RouterProcess.Start(topologyFile);
            await cluster.WaitUntilAsync(health => health is not null, TimeSpan.FromSeconds(30), "the router to answer");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static JsonObject Topology(IEnumerable<FakeInstance> instances, int routerPort, double interval) => new()
    {
        ["cluster_secret"] = new string('s', 40),
        ["instances"] = new JsonArray([.. instances.Select(i =>
        {
            var json = new JsonObject
            {
                ["name"] = i.Name,
                ["roles"] = new JsonArray([.. i.Roles.Select(r => JsonValue.Create(r))]),
                ["listen"] = $"127.0.0.1:{i.ListenPort}",
                ["internal"] = $"127.0.0.1:{i.InternalPort}",
            };
            if (i.Roles.Contains(Roles.EventPersister))
                json["shard"] = 0;
            return (JsonNode)json;
        })]),
        ["stream_writers"] = new JsonObject
        {
            ["typing"] = "stream-writer-1",
            ["receipts"] = "stream-writer-1",
            ["to_device"] = "stream-writer-1",
            ["account_data"] = "stream-writer-2",
            ["push_rules"] = "stream-writer-2",
            ["presence"] = "stream-writer-2",
        },
        ["router"] = new JsonObject
        {
            ["listen"] = $"127.0.0.1:{routerPort}",
            ["max_request_body_bytes"] = MaxBodyBytes,
            ["health_check_interval_seconds"] = interval,
        },
    };

    public async Task<RoutedAnswer> SendAsync(HttpMethod method, string path, string? accessToken = null, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (accessToken is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await SendAsync(request);
    }

    public async Task<RoutedAnswer> SendAsync(HttpRequestMessage request)
    {
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonObject? body = null;
        if (text.Length > 0)
        {
            try
            {
                body = JsonNode.Parse(text) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
                Assert.Fail($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode} with a body that is not JSON: {text}");
            }
        }
        return new RoutedAnswer(response.StatusCode, body, response.Headers);
    }

    /// <summary>The router's <c>/_router/health</c> report, or null while it does not answer.</summary>
    public async Task<JsonObject?> HealthAsync()
    {
        try
        {
            using var response = await Http.GetAsync("/_router/health");
            return JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>How the router sees <paramref name="instance"/> in <paramref name="clusterId"/> ("available", ...).</summary>
    public static string? StateIn(JsonObject? health, string clusterId, string instance) =>
        health?["clusters"]?[clusterId]?[instance]?.GetValue<string>();

    public async Task WaitUntilAsync(Func<JsonObject?, bool> condition, TimeSpan limit, string what)
    {
        var deadline = DateTime.UtcNow + limit;
        JsonObject? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_router is { HasExited: true })
                Assert.Fail($"The router exited while waiting for {what}:\n{RouterOutput}");
            last = await HealthAsync();
            if (condition(last))
                return;
            await Task.Delay(50);
        }
        Assert.Fail($"Waited {limit} for {what}; router health: {last?.ToJsonString()}\n{RouterOutput}");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_router is not null)
            await _router.DisposeAsync();
        foreach (var instance in _instances.Values)
            await instance.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Distinct free loopback ports: all held open together so none is handed out twice.</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
