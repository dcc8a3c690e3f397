using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Keys;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Shared.Federation.Keys;

/// <summary>
/// Other servers' verify keys: from memory, else the database, else fetched from the server's
/// own <c>/_matrix/key/v2/server</c> (checked by <see cref="ServerKeyResponse"/>, so one server's
/// answer can never plant keys for another). A key needed for a time past its validity is
/// fetched again. Concurrent needs of one server share one fetch, and a server is asked at most
/// once per <see cref="FederationOptions.KeyRefetchBackoff"/>, so requests signed with made-up
/// key IDs cannot make this server hammer anyone.
/// </summary>
public sealed class ServerKeyRing(
    FederationClient client, ServerKeyStore store, LocalServerKeys local, ServerSigningKeyProvider signingKeys,
    IOptions<ClusterOptions> cluster, IOptions<FederationOptions> options, TimeProvider time, ILogger<ServerKeyRing> logger)
{
    public const string KeyServerPath = "/_matrix/key/v2/server";

    private readonly ConcurrentDictionary<(ServerName, string), StoredServerKey> _cache = new();
    private readonly ConcurrentDictionary<ServerName, Lazy<Task<ServerKeyResponse?>>> _inFlight = new();
    private readonly ConcurrentDictionary<ServerName, long> _lastFetch = new();

    // Origins are chosen by whoever sends a request, so the per-server memory is bounded.
    private const int MaxRemembered = 10_000;

    /// <summary>
    /// The key <paramref name="server"/> signed with as <paramref name="keyId"/>, if it was valid at
    /// <paramref name="atTs"/> (Unix ms); null when it is unknown, expired then, or unreachable.
    /// </summary>
    public async Task<Ed25519VerifyKey?> GetVerifyKeyAsync(ServerName server, SigningKeyId keyId, long atTs, CancellationToken ct) =>
        (await LookUpVerifyKeyAsync(server, keyId, atTs, ct)).Key;

    /// <summary>
    /// As <see cref="GetVerifyKeyAsync"/>, but telling a key the server does not have (valid at
    /// <paramref name="atTs"/>) from a server that could not be asked, which a caller may retry later.
    /// </summary>
    public async Task<VerifyKeyLookup> LookUpVerifyKeyAsync(ServerName server, SigningKeyId keyId, long atTs, CancellationToken ct)
    {
        if (server.ToString() == cluster.Value.ServerName)
        {
            var own = await signingKeys.GetAsync(ct);
            return own.KeyId == keyId ? VerifyKeyLookup.Found(own.VerifyKey) : VerifyKeyLookup.NotValid;
        }
        var id = keyId.ToString();
        if (await FindUsableAsync(server, id, atTs, ct) is { } found)
            return VerifyKeyLookup.Found(found);
        if (await FetchAsync(server, ct) is null)
            return VerifyKeyLookup.Unavailable;
        return await FindUsableAsync(server, id, atTs, ct) is { } fetched ? VerifyKeyLookup.Found(fetched) : VerifyKeyLookup.NotValid;
    }

    private async Task<Ed25519VerifyKey?> FindUsableAsync(ServerName server, string keyId, long atTs, CancellationToken ct)
    {
        if (!_cache.TryGetValue((server, keyId), out var key) || !key.IsUsableAt(atTs))
        {
            key = await store.GetAsync(server, keyId, ct);
            if (key is null) return null;
            _cache[(server, keyId)] = key;
        }
        return key.IsUsableAt(atTs) && Ed25519VerifyKey.TryParse(keyId, key.PublicKeyBase64, out var verifyKey) ? verifyKey : null;
    }

    /// <summary>
    /// Fetches, checks and stores <paramref name="server"/>'s keys; null when it fails, or when the
    /// server was asked less than the back-off ago (its stored keys are then all there is).
    /// </summary>
    public async Task<ServerKeyResponse?> FetchAsync(ServerName server, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var backoff = (long)options.Value.KeyRefetchBackoff.TotalMilliseconds;
        if (_lastFetch.Count > MaxRemembered)
            foreach (var (name, last) in _lastFetch)
                if (now - last >= backoff)
                    _lastFetch.TryRemove(name, out _);
        if (_cache.Count > MaxRemembered)
            _cache.Clear();
        var fetch = _inFlight.GetOrAdd(server, s =>
        {
            // Decided under GetOrAdd so that concurrent callers agree on whether a fetch runs.
            if (_lastFetch.TryGetValue(s, out var last) && now - last < backoff)
                return new Lazy<Task<ServerKeyResponse?>>(Task.FromResult<ServerKeyResponse?>(null));
            _lastFetch[s] = now;
            return new Lazy<Task<ServerKeyResponse?>>(() => FetchOnceAsync(s));
        });
        try
        {
            // The fetch is shared, so it runs on its own deadline; this caller may stop waiting sooner.
            return await fetch.Value.WaitAsync(ct);
        }
        finally
        {
            if (fetch.Value.IsCompleted)
                _inFlight.TryRemove(new KeyValuePair<ServerName, Lazy<Task<ServerKeyResponse?>>>(server, fetch));
        }
    }

    private async Task<ServerKeyResponse?> FetchOnceAsync(ServerName server)
    {
        var settings = options.Value;
        using var deadline = new CancellationTokenSource(settings.KeyFetchTimeout);
        try
        {
            var response = await client.GetUnsignedAsync(server, KeyServerPath, settings.MaxKeyResponseBytes, settings.KeyFetchTimeout, deadline.Token);
            if (response.Status != 200 || response.Body is not JsonObject json)
            {
                logger.LogWarning("Key fetch from {Server} answered {Status} without a key document", server, response.Status);
                return null;
            }
            if (!ServerKeyResponse.TryValidate(json, server, out var keys, out var error))
            {
                logger.LogWarning("Refused the keys of {Server}: {Reason}", server, error);
                return null;
            }
            var fetched = time.GetUtcNow();
            await store.StoreAsync(keys, fetched.ToUnixTimeMilliseconds(),
                (fetched + FederationOptions.MaxKeyValidity).ToUnixTimeMilliseconds(), deadline.Token);
            foreach (var keyId in keys.Keys.Keys)
                _cache.TryRemove((server, keyId), out _);
            logger.LogInformation("Fetched {Count} keys of {Server}, valid until {ValidUntil}", keys.Keys.Count, server, keys.ValidUntilTs);
            return keys;
        }
        catch (FederationRequestException e)
        {
            logger.LogWarning("Key fetch from {Server} failed: {Reason}", server, e.Message);
            return null;
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Key fetch from {Server} took longer than {Timeout}", server, settings.KeyFetchTimeout);
            return null;
        }
    }

    /// <summary>This server's own key document (for the notary, which answers for itself too).</summary>
    public Task<JsonObject> LocalDocumentAsync(CancellationToken ct) => local.DocumentAsync(ct);
}
