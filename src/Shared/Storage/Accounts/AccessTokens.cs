using System.Security.Cryptography;
using System.Text;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Text;

namespace Cluster.Shared.Storage.Accounts;

/// <summary>
/// Access tokens: <c>ct_</c>, the URL-safe Base64 of the user's localpart, <c>_</c>, and 256 random
/// bits in URL-safe Base64. The prefix makes a leaked token easy to recognise in logs and by
/// secret scanners; the localpart lets the router send every /sync of a user to the same sync
/// reader without a database. The database keeps only the SHA-256 of the whole token, so the
/// localpart is a routing hint, never an authority: a forged one only moves the request to
/// another reader, which still checks the token.
/// </summary>
/// <remarks>Tokens minted before the localpart was added (<c>ct_</c> and the random part alone) stay valid.</remarks>
public static class AccessTokens
{
    public const string Prefix = "ct_";

    private const char Separator = '_';
    private const int RandomBytes = 32;

    /// <summary>Length of the random part: 32 bytes in unpadded Base64.</summary>
    private const int RandomLength = (RandomBytes * 4 + 2) / 3;

    /// <summary>
    /// Longer than any token we issue (a user ID is at most 255 bytes, so its localpart's Base64 at
    /// most 340 characters): such input is rejected without hashing or a query.
    /// </summary>
    public const int MaxLength = 512;

    public static string Generate(UserId user) =>
        Prefix + UnpaddedBase64.EncodeUrlSafe(Encoding.UTF8.GetBytes(user.Localpart)) + Separator
        + UnpaddedBase64.EncodeUrlSafe(RandomNumberGenerator.GetBytes(RandomBytes));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static bool LooksValid(string token) =>
        token.Length <= MaxLength && token.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>
    /// The localpart a token was minted for, read from the token alone (no lookup, so unverified);
    /// false for tokens of the old format and for anything malformed.
    /// </summary>
    public static bool TryReadLocalpart(string? token, out string localpart)
    {
        localpart = "";
        // The random part has a fixed length, so the separator is found from the end: the
        // localpart's Base64 may itself contain '_'.
        if (token is null || !LooksValid(token) || token.Length < Prefix.Length + 2 + 1 + RandomLength
            || token[^(RandomLength + 1)] != Separator)
            return false;
        var encoded = token[Prefix.Length..^(RandomLength + 1)];
        if (!UnpaddedBase64.TryDecode(encoded, Base64Alphabet.UrlSafe, out var bytes) || bytes.Length == 0)
            return false;
        try
        {
            localpart = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
