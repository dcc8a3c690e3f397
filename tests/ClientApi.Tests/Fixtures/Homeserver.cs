using Cluster.Integration.Tests.Fixtures;
using Cluster.Main;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.ClientApi.Tests.Fixtures;

/// <summary>
/// The real single-process homeserver (MainHost, every role module), built in this process on a
/// loopback port against a database of its own, spoken to over real HTTP.
/// </summary>
public sealed class Homeserver : IAsyncDisposable
{
    public const string DefaultServerName = "test.local";

    private readonly WebApplication _app;
    private readonly TestDatabase _database;

    private Homeserver(WebApplication app, TestDatabase database, Uri baseAddress, string serverName)
    {
        _app = app;
        _database = database;
        BaseAddress = baseAddress;
        ServerName = serverName;
    }

    public Uri BaseAddress { get; }
    public string ServerName { get; }
    public IServiceProvider Services => _app.Services;
    public string DatabaseConnectionString => _database.ConnectionString;

    /// <summary>Starts a server; <paramref name="settings"/> are extra configuration keys ("Cluster:X" = "y").</summary>
    /// <param name="services">Extra registrations, for tests that observe a seam (e.g. a test double of a listener).</param>
    public static async Task<Homeserver> StartAsync(
        IReadOnlyDictionary<string, string>? settings = null, string serverName = DefaultServerName,
        Action<IServiceCollection>? services = null)
    {
        var database = await TestDatabase.CreateAsync();
        var args = new List<string>
        {
            "--port", "0",
            $"--Cluster:ServerName={serverName}",
            $"--Cluster:Postgres={database.ConnectionString}",
            $"--Cluster:Redis={BackingServices.Redis}",
        };
        // Open registration unless the test says otherwise: most tests register their users.
        var merged = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Cluster:Registration:Enabled"] = "true" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            merged[key] = value;
        foreach (var (key, value) in merged)
            args.Add($"--{key}={value}");
        WebApplication app;
        try
        {
            app = MainHost.Build([.. args], builder =>
            {
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
                services?.Invoke(builder.Services);
            });
            await app.StartAsync();
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
        return new Homeserver(app, database, new Uri(address), serverName);
    }

    public MatrixTestClient NewClient(string? accessToken = null) => new(new HttpClient
    {
        BaseAddress = BaseAddress,
        Timeout = TimeSpan.FromSeconds(60),
    }, accessToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
    }
}
