using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Signing;

namespace Cluster.Shared.Federation.Keys;

/// <summary>One key a server published: current (no expiry) or old (used until <see cref="ExpiredTs"/>).</summary>
public sealed record PublishedKey(Ed25519VerifyKey Key, long? ExpiredTs);

/// <summary>
/// A server's <c>/_matrix/key/v2/server</c> response, checked: it names the server it was asked
/// for, and every current key it lists signed it, so a server can only speak for itself and
/// only with keys it holds.
/// </summary>
public sealed record ServerKeyResponse(ServerName Server, IReadOnlyDictionary<string, PublishedKey> Keys, long ValidUntilTs, JsonObject Json)
{
    /// <summary>
    /// Checks <paramref name="json"/> as <paramref name="expected"/>'s keys. Keys of algorithms
    /// other than ed25519 are skipped; at least one ed25519 current key is required.
    /// </summary>
    public static bool TryValidate(JsonObject json, ServerName expected, [NotNullWhen(true)] out ServerKeyResponse? response, out string error)
    {
        response = null;
        if (json["server_name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name) || name != expected.ToString())
            return Fail($"the response does not name {expected} as its server_name", out error);
        if (!TryGetLong(json, "valid_until_ts", out var validUntil))
            return Fail("valid_until_ts is missing or not an integer", out error);
        if (json["verify_keys"] is not JsonObject verifyKeys)
            return Fail("verify_keys is missing or not an object", out error);

        var keys = new Dictionary<string, PublishedKey>(StringComparer.Ordinal);
        foreach (var (keyId, entry) in verifyKeys)
        {
            if (!SigningKeyId.TryParse(keyId, out var id))
                return Fail($"'{keyId}' is not a key ID", out error);
            if (!id.IsEd25519) continue;
            if (!TryReadKey(keyId, entry, out var key))
                return Fail($"verify key {keyId} is not a 32-byte unpadded Base64 key", out error);
            var check = JsonSignatures.Verify(json, expected.ToString(), key);
            if (!check.IsValid)
                return Fail($"the response is not signed by its key {keyId}: {check.Detail}", out error);
            keys[keyId] = new PublishedKey(key, null);
        }
        if (keys.Count == 0)
            return Fail("the response lists no ed25519 verify key", out error);

        if (json["old_verify_keys"] is { } oldNode)
        {
            if (oldNode is not JsonObject oldKeys)
                return Fail("old_verify_keys is not an object", out error);
            foreach (var (keyId, entry) in oldKeys)
            {
                if (!SigningKeyId.TryParse(keyId, out var id))
                    return Fail($"'{keyId}' is not a key ID", out error);
                if (!id.IsEd25519 || keys.ContainsKey(keyId)) continue;
                if (!TryReadKey(keyId, entry, out var key) || entry is not JsonObject old || !TryGetLong(old, "expired_ts", out var expired))
                    return Fail($"old verify key {keyId} needs a key and an integer expired_ts", out error);
                keys[keyId] = new PublishedKey(key, expired);
            }
        }
        response = new ServerKeyResponse(expected, keys, validUntil, json);
        error = "";
        return true;
    }

    private static bool TryReadKey(string keyId, JsonNode? entry, [NotNullWhen(true)] out Ed25519VerifyKey? key)
    {
        key = null;
        return entry is JsonObject obj
               && obj["key"] is JsonValue value && value.TryGetValue<string>(out var text)
               && Ed25519VerifyKey.TryParse(keyId, text, out key);
    }

    private static bool TryGetLong(JsonObject obj, string name, out long value)
    {
        value = 0;
        return obj[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out value);
    }

    private static bool Fail(string reason, out string error)
    {
        error = reason;
        return false;
    }
}
