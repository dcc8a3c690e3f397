using System.Buffers;
using System.Buffers.Text;

namespace Cluster.Shared.Text;

/// <summary>The two Base64 alphabets of RFC 4648: standard (<c>+/</c>) and URL-safe (<c>-_</c>).</summary>
public enum Base64Alphabet
{
    Standard,
    UrlSafe,
}

/// <summary>
/// Matrix "unpadded Base64" (spec appendix): RFC 4648 Base64, standard or URL-safe alphabet,
/// without '=' padding.
/// </summary>
/// <remarks>
/// Decoding accepts correct '=' padding, as the spec asks ("SHOULD accept input with or without
/// padding"), and non-zero leftover bits in the last character (<c>Zh</c> reads as <c>Zg</c>): the
/// spec's own example signing key seed has them, and Synapse and System.Convert both accept them.
/// It refuses characters outside the alphabet (whitespace included), a text mixing the two
/// alphabets (no encoder produces one), wrong or partial padding (<c>Zg=</c>), and a length that
/// cannot occur (4n+1).
/// </remarks>
public static class UnpaddedBase64
{
    public static string Encode(ReadOnlySpan<byte> data) => EncodeStandard(data);

    public static string EncodeUrlSafe(ReadOnlySpan<byte> data) => Base64Url.EncodeToString(data);

    public static string Encode(ReadOnlySpan<byte> data, Base64Alphabet alphabet) =>
        alphabet == Base64Alphabet.UrlSafe ? EncodeUrlSafe(data) : EncodeStandard(data);

    /// <summary>Decodes either alphabet (but not a mix), padded or not; false on malformed input.</summary>
    public static bool TryDecode(string? text, out byte[] bytes)
    {
        bytes = [];
        return text is not null && TryDecodeCore(text.AsSpan(), null, out bytes);
    }

    /// <summary>Decodes only <paramref name="alphabet"/>, padded or not; false on malformed input.</summary>
    public static bool TryDecode(string? text, Base64Alphabet alphabet, out byte[] bytes)
    {
        bytes = [];
        return text is not null && TryDecodeCore(text.AsSpan(), alphabet, out bytes);
    }

    public static byte[] Decode(string text) =>
        TryDecode(text, out var bytes) ? bytes : throw new FormatException("Invalid unpadded Base64.");

    private static string EncodeStandard(ReadOnlySpan<byte> data)
    {
        var unpaddedLength = (int)((data.Length * 4L + 2) / 3);
        var paddedLength = (data.Length + 2) / 3 * 4;
        char[]? rented = null;
        var chars = paddedLength <= 512 ? stackalloc char[paddedLength] : (rented = ArrayPool<char>.Shared.Rent(paddedLength));
        try
        {
            Convert.TryToBase64Chars(data, chars, out _);
            return new string(chars[..unpaddedLength]);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static bool TryDecodeCore(ReadOnlySpan<char> text, Base64Alphabet? required, out byte[] bytes)
    {
        bytes = [];
        var body = text.TrimEnd('=');
        var padding = text.Length - body.Length;
        if (padding > 0 && (padding > 2 || text.Length % 4 != 0)) return false;
        var remainder = body.Length % 4;
        if (remainder == 1) return false;

        var alphabet = DetectAlphabet(body, required);
        if (alphabet is null) return false;

        // Convert only reads the standard alphabet with padding: translate into a scratch buffer.
        var paddedLength = body.Length + (4 - remainder) % 4;
        char[]? rented = null;
        var standard = paddedLength <= 512 ? stackalloc char[paddedLength] : (rented = ArrayPool<char>.Shared.Rent(paddedLength));
        try
        {
            standard = standard[..paddedLength];
            for (var i = 0; i < body.Length; i++)
            {
                var c = body[i];
                standard[i] = c switch
                {
                    '-' => '+',
                    '_' => '/',
                    _ => c,
                };
            }
            standard[body.Length..].Fill('=');

            var decoded = new byte[paddedLength / 4 * 3 - (4 - remainder) % 4];
            if (!Convert.TryFromBase64Chars(standard, decoded, out var written) || written != decoded.Length) return false;
            bytes = decoded;
            return true;
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>The alphabet <paramref name="body"/> is written in, or null when it has foreign or mixed characters.</summary>
    private static Base64Alphabet? DetectAlphabet(ReadOnlySpan<char> body, Base64Alphabet? required)
    {
        var invalid = body.IndexOfAnyExcept(AnyAlphabet);
        if (invalid >= 0) return null;
        var standardOnly = body.ContainsAny('+', '/');
        var urlSafeOnly = body.ContainsAny('-', '_');
        if (standardOnly && urlSafeOnly) return null;
        var found = urlSafeOnly ? Base64Alphabet.UrlSafe : standardOnly ? Base64Alphabet.Standard : required ?? Base64Alphabet.Standard;
        return required is { } r && r != found ? null : found;
    }

    private const string StandardAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private static readonly SearchValues<char> AnyAlphabet = SearchValues.Create(StandardAlphabet + "-_");
}
