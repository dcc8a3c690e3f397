using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Signing;
using Microsoft.Extensions.Options;

namespace Cluster.Shared.Federation.Keys;

/// <summary>An old key of this server, published under old_verify_keys (Cluster:Federation:OldVerifyKeys).</summary>
public sealed class OldVerifyKeyOptions
{
    public string KeyId { get; set; } = "";
    /// <summary>Unpadded Base64 public key.</summary>
    public string Key { get; set; } = "";
    /// <summary>Unix ms at which the key stopped being used.</summary>
    public long ExpiredTs { get; set; }
}

/// <summary>This server's own key document, what <c>GET /_matrix/key/v2/server</c> answers.</summary>
public sealed class LocalServerKeys(
    ServerSigningKeyProvider signingKeys, IOptions<ClusterOptions> cluster, IOptions<FederationOptions> options,
    TimeProvider time)
{
    public string ServerName => cluster.Value.ServerName;

    public async Task<JsonObject> DocumentAsync(CancellationToken cancellationToken)
    {
        var key = await signingKeys.GetAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var old = new JsonObject();
        foreach (var entry in options.Value.OldVerifyKeys)
            if (entry.KeyId != key.KeyId.ToString())
                old[entry.KeyId] = new JsonObject { ["key"] = entry.Key, ["expired_ts"] = entry.ExpiredTs };
        var document = new JsonObject
        {
            ["server_name"] = ServerName,
            ["valid_until_ts"] = now + (long)Validity.TotalMilliseconds,
            ["verify_keys"] = new JsonObject { [key.KeyId.ToString()] = new JsonObject { ["key"] = key.PublicKeyBase64 } },
            ["old_verify_keys"] = old,
        };
        JsonSignatures.Sign(document, ServerName, key);
        return document;
    }

    private TimeSpan Validity
    {
        get
        {
            var configured = options.Value.KeyValidity;
            if (configured <= TimeSpan.Zero) return FederationOptions.MaxKeyValidity;
            return configured > FederationOptions.MaxKeyValidity ? FederationOptions.MaxKeyValidity : configured;
        }
    }
}
