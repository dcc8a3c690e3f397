using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Json;
using Cluster.Shared.Text;

namespace Cluster.Shared.Signing;

/// <summary>
/// Signing and checking JSON objects (spec appendix "Signing JSON"): the signature covers the
/// canonical JSON of the object without <c>signatures</c> and <c>unsigned</c>, and is stored as
/// <c>signatures[server][key_id]</c> beside any signatures already there.
/// </summary>
public static class JsonSignatures
{
    public const string SignaturesKey = "signatures";
    public const string UnsignedKey = "unsigned";

    private static readonly string[] NotSigned = [SignaturesKey, UnsignedKey];

    /// <summary>The bytes a signature covers.</summary>
    /// <exception cref="CanonicalJsonException">The object holds a value canonical JSON cannot express.</exception>
    public static byte[] SigningBytes(JsonObject obj) => CanonicalJson.EncodeWithout(obj, NotSigned);

    /// <summary>The unpadded Base64 signature of <paramref name="obj"/>, leaving the object untouched.</summary>
    public static string ComputeSignature(JsonObject obj, Ed25519SigningKey key) =>
        UnpaddedBase64.Encode(key.Sign(SigningBytes(obj)));

    /// <summary>Signs <paramref name="obj"/> in place as <paramref name="serverName"/>, keeping existing signatures.</summary>
    public static void Sign(JsonObject obj, string serverName, Ed25519SigningKey key) =>
        AddSignature(obj, serverName, key.KeyId, ComputeSignature(obj, key));

    /// <summary>Stores a signature under <c>signatures[server][key_id]</c>, creating the objects as needed.</summary>
    public static void AddSignature(JsonObject obj, string serverName, SigningKeyId keyId, string signature)
    {
        JsonObject signatures;
        switch (obj[SignaturesKey])
        {
            case JsonObject existing: signatures = existing; break;
            case null: obj[SignaturesKey] = signatures = new JsonObject(); break;
            default: throw new SignatureFormatException("'signatures' is not an object.");
        }
        JsonObject serverSignatures;
        switch (signatures[serverName])
        {
            case JsonObject existing: serverSignatures = existing; break;
            case null: signatures[serverName] = serverSignatures = new JsonObject(); break;
            default: throw new SignatureFormatException($"'signatures.{serverName}' is not an object.");
        }
        serverSignatures[keyId.ToString()] = signature;
    }

    /// <summary>Checks that <paramref name="serverName"/> signed <paramref name="obj"/> with <paramref name="key"/>.</summary>
    public static SignatureCheck Verify(JsonObject obj, string serverName, Ed25519VerifyKey key)
    {
        var found = FindSignature(obj, serverName, key.KeyId, out var signature);
        if (!found.IsValid) return found;
        byte[] signedBytes;
        try
        {
            signedBytes = SigningBytes(obj);
        }
        catch (CanonicalJsonException e)
        {
            return new SignatureCheck(SignatureStatus.NotCanonicalJson, serverName, key.KeyId, e.Message);
        }
        return Check(signedBytes, signature, serverName, key);
    }

    /// <summary>
    /// Verifies against bytes already computed by the caller (events sign their redacted form, and
    /// one event may carry several servers' signatures over the same bytes).
    /// </summary>
    internal static SignatureCheck Verify(ReadOnlySpan<byte> signedBytes, JsonObject signaturesHolder, string serverName, Ed25519VerifyKey key)
    {
        var found = FindSignature(signaturesHolder, serverName, key.KeyId, out var signature);
        return found.IsValid ? Check(signedBytes, signature, serverName, key) : found;
    }

    private static SignatureCheck Check(ReadOnlySpan<byte> signedBytes, byte[] signature, string serverName, Ed25519VerifyKey key) =>
        key.Verify(signedBytes, signature)
            ? new SignatureCheck(SignatureStatus.Valid, serverName, key.KeyId)
            : new SignatureCheck(SignatureStatus.BadSignature, serverName, key.KeyId, "the signature does not match the signed JSON");

    /// <summary>Finds and decodes <c>signatures[server][key_id]</c>; a non-valid status says what was wrong.</summary>
    private static SignatureCheck FindSignature(JsonObject obj, string serverName, SigningKeyId keyId, out byte[] signature)
    {
        signature = [];
        SignatureCheck Fail(SignatureStatus status, string detail) => new(status, serverName, keyId, detail);

        if (!obj.TryGetPropertyValue(SignaturesKey, out var signaturesNode) || signaturesNode is null)
            return Fail(SignatureStatus.NoSignatureFromServer, "the object has no signatures");
        if (signaturesNode is not JsonObject signatures)
            return Fail(SignatureStatus.MalformedSignature, "'signatures' is not an object");
        if (!signatures.TryGetPropertyValue(serverName, out var serverNode) || serverNode is null)
            return Fail(SignatureStatus.NoSignatureFromServer, $"no signature from {serverName}");
        if (serverNode is not JsonObject serverSignatures)
            return Fail(SignatureStatus.MalformedSignature, $"'signatures.{serverName}' is not an object");
        if (!serverSignatures.TryGetPropertyValue(keyId.ToString(), out var valueNode))
            return Fail(SignatureStatus.NoSignatureWithKeyId,
                $"{serverName} signed with {string.Join(", ", serverSignatures.Select(p => p.Key))}, not {keyId}");
        if (valueNode is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
            return Fail(SignatureStatus.MalformedSignature, "the signature is not a string");
        if (!UnpaddedBase64.TryDecode(value.GetValue<string>(), out signature))
            return Fail(SignatureStatus.MalformedSignature, "the signature is not valid Base64");
        if (signature.Length != Ed25519VerifyKey.SignatureLength)
            return Fail(SignatureStatus.MalformedSignature,
                $"the signature is {signature.Length} bytes, an Ed25519 signature is {Ed25519VerifyKey.SignatureLength}");
        return new SignatureCheck(SignatureStatus.Valid, serverName, keyId);
    }
}
