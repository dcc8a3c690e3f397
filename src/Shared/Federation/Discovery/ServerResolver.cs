using System.Collections.Concurrent;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Identifiers;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Shared.Federation.Discovery;

/// <summary>
/// Server discovery (server-server spec, "Resolving server names"): an IP literal or an explicit
/// port is used as it is; otherwise <c>/.well-known/matrix/server</c> may delegate to another
/// host, then SRV records (<c>_matrix-fed._tcp</c>, then the deprecated <c>_matrix._tcp</c>),
/// then port 8448. Well-known answers (and their absence) are cached per name.
/// </summary>
public sealed class ServerResolver(
    FederationHttp http, IOptions<FederationOptions> options, ILogger<ServerResolver> logger, TimeProvider time)
{
    public const int DefaultPort = 8448;
    private const int MaxWellKnownBytes = 16 * 1024;
    private const int MaxCachedNames = 10_000;
    private static readonly TimeSpan WellKnownTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WellKnownDefaultLifetime = TimeSpan.FromHours(24);
    private static readonly TimeSpan WellKnownMinLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan WellKnownMaxLifetime = TimeSpan.FromHours(48);
    private static readonly TimeSpan WellKnownFailureLifetime = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<ServerName, (ServerName? Delegated, DateTimeOffset Expires)> _wellKnown = new();
    private readonly LookupClient _dns = new(new LookupClientOptions { UseCache = true, Timeout = TimeSpan.FromSeconds(5), Retries = 1 });

    public string Scheme => options.Value.AllowPlainHttp ? "http" : "https";

    public async Task<ResolvedServer> ResolveAsync(ServerName server, CancellationToken cancellationToken)
    {
        // Steps 1 and 2: an IP literal, or a hostname with an explicit port.
        if (server.IsIPLiteral || server.Port is not null)
            return new ResolvedServer(server.Host, server.Port ?? DefaultPort, server.ToString());

        // Step 3: delegation through .well-known, then the delegated name's own steps.
        if (await WellKnownAsync(server, cancellationToken) is { } delegated)
        {
            if (delegated.IsIPLiteral || delegated.Port is not null)
                return new ResolvedServer(delegated.Host, delegated.Port ?? DefaultPort, delegated.ToString());
            return await SrvAsync(delegated.Host, cancellationToken) is { } viaSrv
                ? viaSrv with { HostHeader = delegated.Host }
                : new ResolvedServer(delegated.Host, DefaultPort, delegated.Host);
        }

        // Steps 4 to 6: SRV of the server name itself, else port 8448.
        return await SrvAsync(server.Host, cancellationToken) is { } srv
            ? srv with { HostHeader = server.Host }
            : new ResolvedServer(server.Host, DefaultPort, server.Host);
    }

    private async Task<ServerName?> WellKnownAsync(ServerName server, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_wellKnown.TryGetValue(server, out var cached) && cached.Expires > now)
            return cached.Delegated;

        ServerName? delegated = null;
        var lifetime = WellKnownFailureLifetime;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{Scheme}://{server.Host}/.well-known/matrix/server");
            var (status, body, maxAge) = await http.SendAsync(server.ToString(), request, MaxWellKnownBytes, WellKnownTimeout, cancellationToken);
            if (status == 200 && WellKnownServer.Parse(body) is { } found)
            {
                delegated = found;
                lifetime = Clamp(maxAge ?? WellKnownDefaultLifetime);
            }
        }
        catch (FederationRequestException e)
        {
            logger.LogDebug("No .well-known delegation for {Server}: {Reason}", server, e.Message);
        }
        // Names come from other servers' requests: keep the cache bounded.
        if (_wellKnown.Count >= MaxCachedNames)
            foreach (var (name, entry) in _wellKnown)
                if (entry.Expires <= now)
                    _wellKnown.TryRemove(name, out _);
        if (_wellKnown.Count >= MaxCachedNames)
            _wellKnown.Clear();
        _wellKnown[server] = (delegated, now + lifetime);
        return delegated;
    }

    private static TimeSpan Clamp(TimeSpan lifetime) =>
        lifetime < WellKnownMinLifetime ? WellKnownMinLifetime : lifetime > WellKnownMaxLifetime ? WellKnownMaxLifetime : lifetime;

    private async Task<ResolvedServer?> SrvAsync(string host, CancellationToken cancellationToken)
    {
        foreach (var service in new[] { "_matrix-fed._tcp.", "_matrix._tcp." })
        {
            try
            {
                var answer = await _dns.QueryAsync(service + host, QueryType.SRV, cancellationToken: cancellationToken);
                var best = answer.Answers.SrvRecords()
                    .OrderBy(r => r.Priority).ThenByDescending(r => r.Weight)
                    .FirstOrDefault();
                if (best is not null)
                    return new ResolvedServer(best.Target.Value.TrimEnd('.'), best.Port, host);
            }
            catch (DnsResponseException e)
            {
                logger.LogDebug("SRV lookup {Service}{Host} failed: {Reason}", service, host, e.Message);
            }
        }
        return null;
    }
}
