using Cluster.Shared.Text;
using NSec.Cryptography;

namespace Cluster.Shared.Signing;

/// <summary>
/// A server's Ed25519 signing key (private half) with its key ID. The 32-byte seed is the
/// whole secret: the same seed always yields the same key pair, which is what key files store.
/// </summary>
public sealed class Ed25519SigningKey : IDisposable
{
    public const int SeedLength = 32;

    private readonly Key _key;

    private Ed25519SigningKey(SigningKeyId keyId, Key key)
    {
        KeyId = keyId;
        _key = key;
        var publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        if (!Ed25519VerifyKey.TryCreate(keyId, publicKey, out var verifyKey))
            throw new InvalidOperationException("libsodium produced a public key NSec cannot read back.");
        VerifyKey = verifyKey;
    }

    public SigningKeyId KeyId { get; }
    public Ed25519VerifyKey VerifyKey { get; }
    public string PublicKeyBase64 => VerifyKey.PublicKeyBase64;

    public static Ed25519SigningKey Generate(string version) =>
        new(SigningKeyId.Ed25519(version), Key.Create(SignatureAlgorithm.Ed25519, Exportable()));

    /// <summary>Loads the key from its 32-byte seed; throws <see cref="FormatException"/> for another length.</summary>
    public static Ed25519SigningKey FromSeed(string version, ReadOnlySpan<byte> seed)
    {
        var keyId = SigningKeyId.Ed25519(version);
        if (seed.Length != SeedLength)
            throw new FormatException($"An Ed25519 seed is {SeedLength} bytes, not {seed.Length}.");
        return new Ed25519SigningKey(keyId, Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, Exportable()));
    }

    public static Ed25519SigningKey FromSeedBase64(string version, string seedBase64) =>
        UnpaddedBase64.TryDecode(seedBase64, out var seed)
            ? FromSeed(version, seed)
            : throw new FormatException("The seed is not valid Base64.");

    public byte[] ExportSeed() => _key.Export(KeyBlobFormat.RawPrivateKey);

    public byte[] Sign(ReadOnlySpan<byte> data) => SignatureAlgorithm.Ed25519.Sign(_key, data);

    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature) => SignatureAlgorithm.Ed25519.Sign(_key, data, signature);

    // Plaintext export is allowed so that the seed can be written to the operator's key file.
    private static KeyCreationParameters Exportable() => new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };

    public void Dispose() => _key.Dispose();

    public override string ToString() => $"{KeyId} (public {PublicKeyBase64})";
}
