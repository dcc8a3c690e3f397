using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Text;

namespace Cluster.Shared.Events;

/// <summary>What comparing an event's <c>hashes.sha256</c> with its recomputed content hash found.</summary>
public enum ContentHashStatus
{
    Matches,
    /// <summary>No <c>hashes</c> object or no <c>sha256</c> entry in it.</summary>
    Missing,
    /// <summary><c>hashes</c> or <c>hashes.sha256</c> has the wrong type, or is not Base64 of 32 bytes.</summary>
    Malformed,
    /// <summary>A well-formed hash that does not match the content: the event was altered or redacted in transit.</summary>
    Mismatch,
}

/// <summary>
/// The two hashes of an event (server-server spec "Calculating the content hash / reference hash").
/// The content hash covers the full event and travels in <c>hashes.sha256</c>; the reference hash
/// covers the redacted event and gives v3+ events their IDs.
/// </summary>
public static class EventHashing
{
    public const string HashesKey = "hashes";
    public const string Sha256Key = "sha256";

    private static readonly string[] NotInContentHash = ["unsigned", "signatures", HashesKey];
    private static readonly string[] NotInReferenceHash = ["signatures", "unsigned"];

    /// <summary>SHA-256 of the event's canonical JSON without <c>unsigned</c>, <c>signatures</c> and <c>hashes</c>.</summary>
    /// <exception cref="CanonicalJsonException">The event holds a value canonical JSON cannot express.</exception>
    public static byte[] ComputeContentHash(JsonObject evt) => Sha256Except(evt, NotInContentHash);

    /// <summary>Computes the content hash and stores it as <c>hashes: {"sha256": ...}</c> in the event.</summary>
    public static void AddContentHash(JsonObject evt) =>
        evt[HashesKey] = new JsonObject { [Sha256Key] = UnpaddedBase64.Encode(ComputeContentHash(evt)) };

    /// <exception cref="CanonicalJsonException">The event holds a value canonical JSON cannot express.</exception>
    public static ContentHashStatus CheckContentHash(JsonObject evt)
    {
        if (!evt.TryGetPropertyValue(HashesKey, out var hashesNode) || hashesNode is null) return ContentHashStatus.Missing;
        if (hashesNode is not JsonObject hashes) return ContentHashStatus.Malformed;
        if (!hashes.TryGetPropertyValue(Sha256Key, out var hashNode) || hashNode is null) return ContentHashStatus.Missing;
        if (hashNode is not JsonValue value || value.GetValueKind() != JsonValueKind.String
            || !UnpaddedBase64.TryDecode(value.GetValue<string>(), out var claimed) || claimed.Length != SHA256.HashSizeInBytes)
            return ContentHashStatus.Malformed;
        return CryptographicOperations.FixedTimeEquals(claimed, ComputeContentHash(evt))
            ? ContentHashStatus.Matches
            : ContentHashStatus.Mismatch;
    }

    /// <summary>SHA-256 of the redacted event's canonical JSON without <c>signatures</c> and <c>unsigned</c>.</summary>
    /// <exception cref="CanonicalJsonException">The event holds a value canonical JSON cannot express.</exception>
    public static byte[] ComputeReferenceHash(JsonObject evt, RoomVersion version) =>
        ReferenceHashOfRedacted(Redaction.Redact(evt, version));

    /// <summary>The reference hash of an event already put through the redaction algorithm.</summary>
    public static byte[] ReferenceHashOfRedacted(JsonObject redacted) => Sha256Except(redacted, NotInReferenceHash);

    private static byte[] Sha256Except(JsonObject obj, ReadOnlySpan<string> excludedKeys) =>
        SHA256.HashData(CanonicalJson.EncodeWithout(obj, excludedKeys));
}
