using System.Security.Cryptography;

namespace Cluster.Shared.Signing;

/// <summary>
/// A signing key identifier, <c>algorithm:version</c> (spec appendix "Signing Details"),
/// for example <c>ed25519:a_XyZw</c>. The version is what tells apart the keys one server
/// has used over time, so it is restricted to <c>[a-zA-Z0-9_]</c>.
/// </summary>
public readonly record struct SigningKeyId
{
    public const string Ed25519Algorithm = "ed25519";

    private SigningKeyId(string algorithm, string version)
    {
        Algorithm = algorithm;
        Version = version;
    }

    public string Algorithm { get; }
    public string Version { get; }
    public bool IsEd25519 => Algorithm == Ed25519Algorithm;

    public override string ToString() => $"{Algorithm}:{Version}";

    /// <summary>An Ed25519 key ID with the given version; throws <see cref="FormatException"/> on a bad version.</summary>
    public static SigningKeyId Ed25519(string version) =>
        IsValidVersion(version)
            ? new SigningKeyId(Ed25519Algorithm, version)
            : throw new FormatException($"Key version '{version}' must be non-empty and use only [a-zA-Z0-9_].");

    /// <summary>
    /// Parses <c>algorithm:version</c>. Algorithms other than ed25519 are accepted so that callers can
    /// skip signatures made with algorithms they do not understand, as the spec asks.
    /// </summary>
    public static bool TryParse(string? text, out SigningKeyId keyId)
    {
        keyId = default;
        if (text is null) return false;
        var colon = text.IndexOf(':');
        if (colon <= 0) return false;
        var algorithm = text[..colon];
        var version = text[(colon + 1)..];
        if (!IsValidAlgorithm(algorithm) || !IsValidVersion(version)) return false;
        keyId = new SigningKeyId(algorithm, version);
        return true;
    }

    public static SigningKeyId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a signing key ID of the form algorithm:version.");

    public static bool IsValidVersion(string? version)
    {
        if (string.IsNullOrEmpty(version)) return false;
        foreach (var c in version)
            if (!IsVersionChar(c)) return false;
        return true;
    }

    /// <summary>A fresh version in the style Synapse uses (<c>a_</c> plus four random letters or digits).</summary>
    public static string NewVersion() =>
        "a_" + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 4);

    private static bool IsValidAlgorithm(string algorithm)
    {
        foreach (var c in algorithm)
            if (!IsVersionChar(c)) return false;
        return algorithm.Length > 0;
    }

    private static bool IsVersionChar(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_';
}
