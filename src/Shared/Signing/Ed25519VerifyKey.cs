using Cluster.Shared.Text;
using NSec.Cryptography;

namespace Cluster.Shared.Signing;

/// <summary>
/// The public half of a server's Ed25519 signing key together with its key ID: what a remote
/// server publishes under <c>verify_keys</c> and what signatures are checked against.
/// </summary>
public sealed class Ed25519VerifyKey
{
    public const int PublicKeyLength = 32;
    public const int SignatureLength = 64;

    private readonly PublicKey _key;

    private Ed25519VerifyKey(SigningKeyId keyId, PublicKey key, byte[] publicKey)
    {
        KeyId = keyId;
        _key = key;
        PublicKeyBytes = publicKey;
        PublicKeyBase64 = UnpaddedBase64.Encode(publicKey);
    }

    public SigningKeyId KeyId { get; }
    public ReadOnlyMemory<byte> PublicKeyBytes { get; }
    /// <summary>The public key as unpadded standard Base64, as published in server key responses.</summary>
    public string PublicKeyBase64 { get; }

    public static bool TryCreate(SigningKeyId keyId, ReadOnlySpan<byte> publicKey, out Ed25519VerifyKey key)
    {
        key = null!;
        if (!keyId.IsEd25519 || publicKey.Length != PublicKeyLength) return false;
        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var imported) || imported is null)
            return false;
        key = new Ed25519VerifyKey(keyId, imported, publicKey.ToArray());
        return true;
    }

    /// <summary>Reads a published key: key ID text such as <c>ed25519:1</c> and unpadded Base64 of the 32 public key bytes.</summary>
    public static bool TryParse(string keyId, string publicKeyBase64, out Ed25519VerifyKey key)
    {
        key = null!;
        return SigningKeyId.TryParse(keyId, out var id)
               && UnpaddedBase64.TryDecode(publicKeyBase64, out var bytes)
               && TryCreate(id, bytes, out key);
    }

    public static Ed25519VerifyKey Parse(string keyId, string publicKeyBase64) =>
        TryParse(keyId, publicKeyBase64, out var key)
            ? key
            : throw new FormatException($"'{keyId}' / '{publicKeyBase64}' is not an Ed25519 key ID and 32-byte unpadded Base64 public key.");

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureLength && SignatureAlgorithm.Ed25519.Verify(_key, data, signature);

    public override string ToString() => $"{KeyId} {PublicKeyBase64}";
}
