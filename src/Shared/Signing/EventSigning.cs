using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Text;

namespace Cluster.Shared.Signing;

/// <summary>A server whose signature an event must carry, with the key to check it against.</summary>
public readonly record struct ServerVerifyKey(string ServerName, Ed25519VerifyKey Key);

public enum EventVerificationStatus
{
    /// <summary>Every required signature is valid and the content hash matches: use the event as received.</summary>
    Valid,
    /// <summary>A required signature is missing or wrong: the event must be dropped.</summary>
    SignatureInvalid,
    /// <summary>
    /// The signatures are valid but the content hash is not: the spec assumes we were given a redacted
    /// copy and has us use the redacted form (<see cref="EventVerification.Redacted"/>) instead.
    /// </summary>
    RedactionRequired,
}

/// <summary>The outcome of <see cref="EventSigning.Verify(JsonObject, RoomVersion, IReadOnlyList{ServerVerifyKey})"/>.</summary>
public sealed record EventVerification(
    EventVerificationStatus Status,
    IReadOnlyList<SignatureCheck> Signatures,
    ContentHashStatus? ContentHash,
    JsonObject? Redacted)
{
    public bool IsValid => Status == EventVerificationStatus.Valid;

    /// <summary>The first signature check that failed, when the status is <see cref="EventVerificationStatus.SignatureInvalid"/>.</summary>
    public SignatureCheck? FailedSignature
    {
        get
        {
            foreach (var check in Signatures)
                if (!check.IsValid) return check;
            return null;
        }
    }
}

/// <summary>
/// Signing and checking PDUs (server-server spec "Signing events" and "Checks performed on receipt"):
/// the signature covers the redacted event, which carries the content hash of the full event, so a
/// signature stays checkable after redaction while any change to redactable content is detected.
/// </summary>
public static class EventSigning
{
    /// <summary>
    /// Signs an event this server creates, in place: stores the content hash in <c>hashes</c>, then signs
    /// the redacted form and adds the signature to the event's <c>signatures</c>.
    /// </summary>
    /// <returns>
    /// The event's reference hash (what a v3+ event ID is made of): the bytes signed are the ones it
    /// covers (the redacted event without <c>signatures</c> and <c>unsigned</c>), so they are
    /// redacted and encoded once for both.
    /// </returns>
    /// <exception cref="CanonicalJsonException">The event holds a value canonical JSON cannot express.</exception>
    /// <exception cref="SignatureFormatException">The event's <c>signatures</c> has the wrong shape.</exception>
    public static byte[] HashAndSign(JsonObject evt, RoomVersion version, string serverName, Ed25519SigningKey key)
    {
        EventHashing.AddContentHash(evt);
        return AddSignature(evt, version, serverName, key);
    }

    /// <summary>
    /// Adds this server's signature to an event that is already hashed, e.g. another server's invite or
    /// restricted join we must countersign. The content hash is left as it is.
    /// </summary>
    /// <returns>The event's reference hash, as <see cref="HashAndSign"/> returns it.</returns>
    public static byte[] AddSignature(JsonObject evt, RoomVersion version, string serverName, Ed25519SigningKey key)
    {
        var signed = JsonSignatures.SigningBytes(Redaction.Redact(evt, version));
        JsonSignatures.AddSignature(evt, serverName, key.KeyId, UnpaddedBase64.Encode(key.Sign(signed)));
        return SHA256.HashData(signed);
    }

    public static EventVerification Verify(JsonObject evt, RoomVersion version, string serverName, Ed25519VerifyKey key) =>
        Verify(evt, version, [new ServerVerifyKey(serverName, key)]);

    /// <summary>
    /// Checks that every listed server signed the redacted event, then the content hash. Never throws for
    /// malformed events: every problem is a status. Which servers must sign (the sender's, the authorising
    /// server of a restricted join...) and which keys were valid at the time is for the caller to decide.
    /// </summary>
    /// <exception cref="ArgumentException">No server is listed: an event is never valid without signatures.</exception>
    public static EventVerification Verify(JsonObject evt, RoomVersion version, IReadOnlyList<ServerVerifyKey> required)
    {
        if (required.Count == 0)
            throw new ArgumentException("At least the sender's server must be required to have signed.", nameof(required));
        var redacted = Redaction.Redact(evt, version);
        byte[] signedBytes;
        try
        {
            signedBytes = JsonSignatures.SigningBytes(redacted);
        }
        catch (CanonicalJsonException e)
        {
            var checks = required.Select(r => new SignatureCheck(SignatureStatus.NotCanonicalJson, r.ServerName, r.Key.KeyId, e.Message)).ToArray();
            return new EventVerification(EventVerificationStatus.SignatureInvalid, checks, null, null);
        }

        var results = new SignatureCheck[required.Count];
        var allValid = true;
        for (var i = 0; i < required.Count; i++)
        {
            results[i] = JsonSignatures.Verify(signedBytes, redacted, required[i].ServerName, required[i].Key);
            allValid &= results[i].IsValid;
        }
        if (!allValid) return new EventVerification(EventVerificationStatus.SignatureInvalid, results, null, null);

        // The redacted form encoded above, so the full event's extra parts are the only thing that could
        // fail to encode; such content cannot match its hash either.
        ContentHashStatus hash;
        try
        {
            hash = EventHashing.CheckContentHash(evt);
        }
        catch (CanonicalJsonException)
        {
            hash = ContentHashStatus.Mismatch;
        }
        return hash == ContentHashStatus.Matches
            ? new EventVerification(EventVerificationStatus.Valid, results, hash, null)
            : new EventVerification(EventVerificationStatus.RedactionRequired, results, hash, redacted);
    }
}
