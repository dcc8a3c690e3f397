using System.Net;
using System.Net.Sockets;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClusterTests.Fixtures;
using Cluster.Shared.Signing;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// Homeservers that federate with each other on loopback: each named <c>127.0.0.1:PORT</c> (or
/// <c>localhost:PORT</c>) after the port it listens on, with plain-HTTP federation on (the development option).
/// </summary>
public static class FederatedServers
{
    /// <summary>Why tests of federating single processes skip against a cluster (see <see cref="SingleProcessOnlyAttribute"/>).</summary>
    public const string SingleProcessReason = "starts several federating single-process servers";

    /// <param name="host">The host part of the server name: <c>localhost</c> gives a server that an ACL can
    /// deny by name without denying the others, which are all <c>127.0.0.1</c>.</param>
    public static async Task<Homeserver> StartAsync(IReadOnlyDictionary<string, string>? extra = null, string host = "127.0.0.1")
    {
        if (Homeserver.IsCluster)
            throw Homeserver.SkipAgainstCluster(SingleProcessReason);
        return await StartSingleProcessAsync(extra, host);
    }

    /// <summary>A federating single process, whatever <see cref="Homeserver.ModeVariable"/> says.</summary>
    public static async Task<Homeserver> StartSingleProcessAsync(IReadOnlyDictionary<string, string>? extra = null, string host = "127.0.0.1")
    {
        var port = FreePort();
        var settings = LoopbackSettings(extra);
        settings["port"] = port.ToString();
        return await Homeserver.StartSingleProcessAsync(settings, serverName: $"{host}:{port}");
    }

    /// <summary>
    /// A federating worker cluster (<see cref="LocalClusterOptions.Federating"/>: federation reader,
    /// sender, persister, creator each a process of its own), named after its router's address.
    /// </summary>
    public static Task<Homeserver> StartClusterAsync(IReadOnlyDictionary<string, string>? extra = null) =>
        Homeserver.StartWorkerClusterAsync(LocalClusterOptions.Federating(), LoopbackSettings(extra));

    /// <summary>The key the single process signs its events and requests with, as other servers fetch it.</summary>
    public static async Task<Ed25519SigningKey> SigningKeyAsync(this Homeserver server) =>
        await server.Service<ServerSigningKeyProvider>().GetAsync(CancellationToken.None);

    private static Dictionary<string, string> LoopbackSettings(IReadOnlyDictionary<string, string>? extra)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Cluster:Federation:AllowPlainHttp"] = "true",
            // Under a loaded test run a first key fetch can be slow; one that fails must not make
            // every request of the next 30 s fail with it, as the production back-off would.
            ["Cluster:Federation:KeyFetchTimeout"] = "00:00:30",
            ["Cluster:Federation:KeyRefetchBackoff"] = "00:00:00.500",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
            settings[key] = value;
        return settings;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
