namespace Cluster.Shared.Text;

/// <summary>
/// Matrix "unpadded Base64" (spec appendix): standard or URL-safe alphabet without '='
/// padding. Decoding accepts padded input too, because some implementations send it.
/// </summary>
public static class UnpaddedBase64
{
    public static string Encode(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=');

    public static string EncodeUrlSafe(ReadOnlySpan<byte> data) =>
        Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Decodes standard or URL-safe unpadded (or padded) Base64; false on malformed input.</summary>
    public static bool TryDecode(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null) return false;
        var s = text.TrimEnd('=');
        if (text.Length - s.Length > 2) return false;
        if (s.Length % 4 == 1) return false;
        var chars = new char[s.Length + (4 - s.Length % 4) % 4];
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            chars[i] = c switch { '-' => '+', '_' => '/', _ => c };
            if (!IsBase64Char(chars[i])) return false;
        }
        for (var i = s.Length; i < chars.Length; i++) chars[i] = '=';
        var buffer = new byte[chars.Length / 4 * 3];
        if (!Convert.TryFromBase64Chars(chars, buffer, out var written)) return false;
        bytes = written == buffer.Length ? buffer : buffer[..written];
        return true;
    }

    public static byte[] Decode(string text) =>
        TryDecode(text, out var bytes) ? bytes : throw new FormatException("Invalid unpadded Base64.");

    private static bool IsBase64Char(char c) =>
        c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/';
}
