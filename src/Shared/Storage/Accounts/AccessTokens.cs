using System.Security.Cryptography;
using System.Text;
using Cluster.Shared.Text;

namespace Cluster.Shared.Storage.Accounts;

/// <summary>
/// Access tokens: 256 random bits, URL-safe Base64, with a prefix that makes a leaked token easy
/// to recognise in logs and by secret scanners. The database keeps only the SHA-256.
/// </summary>
public static class AccessTokens
{
    public const string Prefix = "ct_";

    /// <summary>Longer than any token we issue: such input is rejected without hashing or a query.</summary>
    public const int MaxLength = 128;

    public static string Generate() => Prefix + UnpaddedBase64.EncodeUrlSafe(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static bool LooksValid(string token) =>
        token.Length <= MaxLength && token.StartsWith(Prefix, StringComparison.Ordinal);
}
