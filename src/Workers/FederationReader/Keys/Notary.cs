using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Federation.Keys;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Keys;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Keys;

/// <summary>One server of a notary query: the key IDs asked for (none: all) and how long they must stay valid.</summary>
public sealed record NotaryQuery(ServerName Server, IReadOnlyList<string> KeyIds, long? MinimumValidUntilTs);

/// <summary>
/// Answers notary queries: the stored response of each server, fetched again from the server
/// when it is missing, lacks a requested key or expires before the requested time (the key
/// ring's back-off still applies, so a notary cannot be used to flood a server). Each response
/// goes out as its server signed it, plus this server's signature.
/// </summary>
public sealed class Notary(
    ServerKeyRing ring, ServerKeyStore store, ServerSigningKeyProvider signingKeys,
    IOptions<ClusterOptions> cluster, TimeProvider time)
{
    public async Task<IReadOnlyList<JsonObject>> QueryAsync(IReadOnlyList<NotaryQuery> queries, CancellationToken ct)
    {
        var key = await signingKeys.GetAsync(ct);
        var ourName = cluster.Value.ServerName;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Distinct servers fetched concurrently: one slow server must not hold up the others.
        var answers = await Task.WhenAll(queries.DistinctBy(q => q.Server).Select(async query =>
        {
            var response = query.Server.ToString() == ourName
                ? await ring.LocalDocumentAsync(ct)
                : await RemoteAsync(query, query.MinimumValidUntilTs ?? now, ct);
            if (response is null) return null;
            JsonSignatures.Sign(response, ourName, key);
            return response;
        }));
        return [.. answers.OfType<JsonObject>()];
    }

    private async Task<JsonObject?> RemoteAsync(NotaryQuery query, long minimumValidUntil, CancellationToken ct)
    {
        var stored = await store.GetResponseAsync(query.Server, ct);
        var storedJson = stored is { } s ? StrictJson.ParseObject(s.Response) : null;
        var fresh = stored is { } r && r.ValidUntilTs >= minimumValidUntil && storedJson is not null
                    && query.KeyIds.All(id => HasKey(storedJson, id));
        if (fresh) return storedJson;
        var fetched = await ring.FetchAsync(query.Server, ct);
        return fetched is not null ? (JsonObject)fetched.Json.DeepClone() : storedJson;
    }

    private static bool HasKey(JsonObject response, string keyId) =>
        response["verify_keys"] is JsonObject current && current.ContainsKey(keyId)
        || response["old_verify_keys"] is JsonObject old && old.ContainsKey(keyId);
}
