using Cluster.ClusterTests.Fixtures;
using Cluster.Integration.Tests.Fixtures;
using Cluster.Main;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.ClientApi.Tests.Fixtures;

/// <summary>
/// The homeserver under test, spoken to over real HTTP. By default the real single-process
/// homeserver (MainHost, every role module), built in this process on a loopback port against a
/// database of its own. With <c>HOMESERVER_UNDER_TEST=cluster</c> in the environment it is a real
/// worker cluster instead (Main, two event persisters, an event creator, a client reader, two
/// sync readers, a stream writer, as separate processes) behind the router, so the same tests
/// prove that clients cannot tell the two apart.
/// </summary>
public sealed class Homeserver : IAsyncDisposable
{
    public const string DefaultServerName = "test.local";
    public const string ModeVariable = "HOMESERVER_UNDER_TEST";

    private readonly TestDatabase? _database;
    private readonly LocalCluster? _cluster;
    private readonly string[] _args = [];
    private readonly Action<IServiceCollection>? _services;
    private WebApplication? _app;

    private Homeserver(WebApplication? app, TestDatabase? database, LocalCluster? cluster, Uri baseAddress, string serverName)
    {
        _app = app;
        _database = database;
        _cluster = cluster;
        BaseAddress = baseAddress;
        ServerName = serverName;
    }

    private Homeserver(WebApplication app, TestDatabase database, string[] args, Action<IServiceCollection>? services, string serverName)
        : this(app, database, null, AddressOf(app), serverName)
    {
        _args = args;
        _services = services;
    }

    /// <summary>Whether this test run talks to a worker cluster through its router.</summary>
    public static bool IsCluster => Environment.GetEnvironmentVariable(ModeVariable) == "cluster";

    public Uri BaseAddress { get; private set; }
    public string ServerName { get; }

    /// <summary>
    /// The single process's services, for tests that observe what the server holds in memory.
    /// Such a test is skipped against a cluster, whose services live in other processes.
    /// </summary>
    public IServiceProvider Services => _app?.Services ?? throw SkipAgainstCluster("observes the single process's in-memory services");

    public string DatabaseConnectionString => _database?.ConnectionString ?? _cluster!.DatabaseConnectionString;

    /// <summary>The worker cluster's processes, when the server is one; null for the single process.</summary>
    public LocalCluster? WorkerCluster => _cluster;

    /// <summary>Starts a server; <paramref name="settings"/> are extra configuration keys ("Cluster:X" = "y").</summary>
    /// <param name="services">Extra registrations, for tests that observe a seam (e.g. a test double of a listener).</param>
    public static async Task<Homeserver> StartAsync(
        IReadOnlyDictionary<string, string>? settings = null, string serverName = DefaultServerName,
        Action<IServiceCollection>? services = null)
    {
        var merged = WithOpenRegistration(settings);
        if (IsCluster)
            return await StartClusterAsync(merged, serverName, services);
        return await StartSingleProcessAsync(merged, serverName, services);
    }

    /// <summary>
    /// The single process, whatever <see cref="ModeVariable"/> says: for tests that put servers of
    /// both kinds side by side.
    /// </summary>
    public static async Task<Homeserver> StartSingleProcessAsync(
        IReadOnlyDictionary<string, string>? settings = null, string serverName = DefaultServerName,
        Action<IServiceCollection>? services = null)
    {
        var merged = WithOpenRegistration(settings);
        var database = await TestDatabase.CreateAsync();
        var args = new List<string>
        {
            "--port", "0",
            $"--Cluster:ServerName={serverName}",
            $"--Cluster:Postgres={database.ConnectionString}",
            $"--Cluster:Redis={BackingServices.Redis}",
        };
        foreach (var (key, value) in merged)
            args.Add($"--{key}={value}");
        WebApplication app;
        try
        {
            app = await StartAppAsync([.. args], services);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
        return new Homeserver(app, database, [.. args], services, serverName);
    }

    /// <summary>
    /// A worker cluster of <paramref name="options"/>' shape behind its router (which must be
    /// started), whatever <see cref="ModeVariable"/> says; named as the options say.
    /// </summary>
    public static async Task<Homeserver> StartWorkerClusterAsync(
        LocalClusterOptions options, IReadOnlyDictionary<string, string>? settings = null)
    {
        if (!options.WithRouter)
            throw new ArgumentException("A homeserver under test is spoken to through its router.", nameof(options));
        var cluster = await LocalCluster.StartAsync(options, WithOpenRegistration(settings));
        return new Homeserver(null, null, cluster, cluster.RouterUri, cluster.ServerName);
    }

    // Open registration unless the test says otherwise: most tests register their users.
    private static Dictionary<string, string> WithOpenRegistration(IReadOnlyDictionary<string, string>? settings)
    {
        var merged = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Cluster:Registration:Enabled"] = "true" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            merged[key] = value;
        return merged;
    }

    private static async Task<WebApplication> StartAppAsync(string[] args, Action<IServiceCollection>? services)
    {
        var app = MainHost.Build(args, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            services?.Invoke(builder.Services);
        });
        await app.StartAsync();
        return app;
    }

    private static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>
    /// Stops the single process and starts it again on the same database and settings, as an
    /// operator's restart would (a server started on port 0 comes back on another port; one given
    /// a port, as <c>FederatedServers</c> does, on the same).
    /// </summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAgainAsync();
    }

    /// <summary>Stops the single process, as a server going down; <see cref="StartAgainAsync"/> brings it back.</summary>
    public async Task StopAsync()
    {
        if (_app is null || _database is null)
            throw SkipAgainstCluster("stops the single process");
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    /// <summary>Starts the process stopped by <see cref="StopAsync"/> again, on the same database and settings.</summary>
    public async Task StartAgainAsync()
    {
        if (_app is not null || _database is null)
            throw new InvalidOperationException("The server is running, or is a cluster.");
        _app = await StartAppAsync(_args, _services);
        BaseAddress = AddressOf(_app);
    }

    private static async Task<Homeserver> StartClusterAsync(
        Dictionary<string, string> settings, string serverName, Action<IServiceCollection>? services)
    {
        if (services is not null)
            throw SkipAgainstCluster("replaces services inside the single process");
        var options = LocalClusterOptions.Standard(persisters: 2, creators: 1, clientReaders: 1, syncReaders: 2, streamWriters: 1);
        var cluster = await LocalCluster.StartAsync(
            new LocalClusterOptions { Instances = options.Instances, ServerName = serverName, WithRouter = true }, settings);
        return new Homeserver(null, null, cluster, cluster.RouterUri, serverName);
    }

    /// <summary>Skips the calling test (or fixture) when the server under test is a cluster.</summary>
    public static IgnoreException SkipAgainstCluster(string why) =>
        new($"Single-process only: this test {why}.");

    public MatrixTestClient NewClient(string? accessToken = null) => new(new HttpClient
    {
        BaseAddress = BaseAddress,
        Timeout = TimeSpan.FromSeconds(60),
    }, accessToken);

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
            await _cluster.DisposeAsync();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_database is not null)
            await _database.DisposeAsync();
    }
}
