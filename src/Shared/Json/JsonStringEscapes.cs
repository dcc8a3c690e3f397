using System.Text;

namespace Cluster.Shared.Json;

/// <summary>
/// Decodes the escapes of a JSON string as it appears in the document (between the quotes) to
/// plain UTF-8, without allocating. The JSON reader has already checked the escape syntax; what
/// it lets through, and this refuses, is a <c>\u</c> escape naming half of a surrogate pair.
/// </summary>
internal static class JsonStringEscapes
{
    /// <summary>
    /// Writes the decoded UTF-8 of <paramref name="escaped"/> to <paramref name="destination"/>, which
    /// needs no more room than <paramref name="escaped"/> has, since every escape is at least as long
    /// as the bytes it stands for. False on a lone surrogate or a malformed escape.
    /// </summary>
    public static bool TryUnescape(ReadOnlySpan<byte> escaped, Span<byte> destination, out int written)
    {
        written = 0;
        while (true)
        {
            var backslash = escaped.IndexOf((byte)'\\');
            var literal = backslash < 0 ? escaped : escaped[..backslash];
            literal.CopyTo(destination[written..]);
            written += literal.Length;
            if (backslash < 0) return true;
            if (!TryReadEscape(escaped[backslash..], out var rune, out var length)) return false;
            written += rune.EncodeToUtf8(destination[written..]);
            escaped = escaped[(backslash + length)..];
        }
    }

    /// <summary>True when every escape in <paramref name="escaped"/> decodes to a whole character.</summary>
    public static bool AreWellFormed(ReadOnlySpan<byte> escaped)
    {
        while (true)
        {
            var backslash = escaped.IndexOf((byte)'\\');
            if (backslash < 0) return true;
            if (!TryReadEscape(escaped[backslash..], out _, out var length)) return false;
            escaped = escaped[(backslash + length)..];
        }
    }

    /// <summary>Reads one escape at the start of <paramref name="s"/> (which begins with a backslash).</summary>
    private static bool TryReadEscape(ReadOnlySpan<byte> s, out Rune rune, out int length)
    {
        rune = default;
        length = 2;
        if (s.Length < 2) return false;
        switch (s[1])
        {
            case (byte)'"': rune = new Rune('"'); return true;
            case (byte)'\\': rune = new Rune('\\'); return true;
            case (byte)'/': rune = new Rune('/'); return true;
            case (byte)'b': rune = new Rune('\b'); return true;
            case (byte)'f': rune = new Rune('\f'); return true;
            case (byte)'n': rune = new Rune('\n'); return true;
            case (byte)'r': rune = new Rune('\r'); return true;
            case (byte)'t': rune = new Rune('\t'); return true;
            case (byte)'u': break;
            default: return false;
        }
        length = 6;
        if (!TryReadHex4(s, 2, out var unit)) return false;
        if (char.IsLowSurrogate((char)unit)) return false;
        if (!char.IsHighSurrogate((char)unit))
        {
            rune = new Rune(unit);
            return true;
        }
        // A high surrogate counts only when a \u escape of a low surrogate follows at once.
        if (s.Length < 12 || s[6] != '\\' || s[7] != 'u' || !TryReadHex4(s, 8, out var low) ||
            !char.IsLowSurrogate((char)low))
            return false;
        rune = new Rune((char)unit, (char)low);
        length = 12;
        return true;
    }

    private static bool TryReadHex4(ReadOnlySpan<byte> s, int start, out int value)
    {
        value = 0;
        if (s.Length < start + 4) return false;
        for (var i = start; i < start + 4; i++)
        {
            var digit = HexValue(s[i]);
            if (digit < 0) return false;
            value = value << 4 | digit;
        }
        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
