using System.Buffers;

namespace Cluster.Shared.Identifiers;

/// <summary>Which Base64 alphabet an encoded hash can be read in.</summary>
internal enum HashAlphabet : byte
{
    /// <summary>Only letters and digits: valid in both alphabets.</summary>
    Either,
    /// <summary>Contains '+' or '/': the standard alphabet (room version 3 event IDs).</summary>
    Standard,
    /// <summary>Contains '-' or '_': the URL-safe alphabet (room version 4+ event IDs, v12 room IDs).</summary>
    UrlSafe,
}

/// <summary>
/// The opaque part of hash-derived IDs: the SHA-256 reference hash in unpadded Base64,
/// always 43 characters. Checked by shape, never decoded.
/// </summary>
internal static class ReferenceHash
{
    public const int EncodedLength = 43;

    private static readonly SearchValues<char> AnyBase64 =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_");

    public static bool TryClassify(ReadOnlySpan<char> encoded, out HashAlphabet alphabet)
    {
        alphabet = HashAlphabet.Either;
        if (encoded.Length != EncodedLength || encoded.ContainsAnyExcept(AnyBase64)) return false;
        var standard = encoded.ContainsAny('+', '/');
        var urlSafe = encoded.ContainsAny('-', '_');
        if (standard && urlSafe) return false;
        // 43 characters carry 258 bits for 256: an encoder leaves the last two zero, so any other final
        // character is a string no event could have as its ID.
        if (!HasZeroPaddingBits(encoded[^1])) return false;
        alphabet = standard ? HashAlphabet.Standard : urlSafe ? HashAlphabet.UrlSafe : HashAlphabet.Either;
        return true;
    }

    private static bool HasZeroPaddingBits(char last)
    {
        var sextet = last switch
        {
            >= 'A' and <= 'Z' => last - 'A',
            >= 'a' and <= 'z' => last - 'a' + 26,
            >= '0' and <= '9' => last - '0' + 52,
            _ => 62, // '+', '/', '-', '_' are 62 and 63: never zero in the low bits
        };
        return (sextet & 0b11) == 0;
    }
}
