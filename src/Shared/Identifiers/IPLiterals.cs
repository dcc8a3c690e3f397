namespace Cluster.Shared.Identifiers;

/// <summary>
/// The IP literal forms a server name may use. Parsed by hand rather than with
/// <see cref="System.Net.IPAddress"/>, whose IPv4 parser follows inet_aton (<c>010.0.0.1</c> is octal,
/// <c>1.2.3</c> is accepted) while the spec requires exactly four decimal numbers.
/// </summary>
internal static class IPLiterals
{
    /// <summary>Longest IPv6 text form, <c>ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255</c> (the grammar's <c>2*45IPv6char</c>).</summary>
    private const int MaxIPv6Length = 45;
    private const int MinIPv6Length = 2;

    /// <summary>
    /// Four decimal numbers 0-255 of one to three digits, separated by '.'. Leading zeros are decimal
    /// (the grammar allows <c>1*3DIGIT</c>). Writes the octets when <paramref name="octets"/> has room for four.
    /// </summary>
    public static bool TryParseIPv4(ReadOnlySpan<char> text, Span<byte> octets)
    {
        int part = 0, digits = 0, value = 0;
        foreach (var c in text)
        {
            if (c == '.')
            {
                if (digits == 0 || part == 3) return false;
                if (octets.Length >= 4) octets[part] = (byte)value;
                part++;
                digits = 0;
                value = 0;
            }
            else if (char.IsAsciiDigit(c))
            {
                if (++digits > 3) return false;
                value = value * 10 + (c - '0');
                if (value > 255) return false;
            }
            else
            {
                return false;
            }
        }
        if (digits == 0 || part != 3) return false;
        if (octets.Length >= 4) octets[3] = (byte)value;
        return true;
    }

    /// <summary>
    /// The RFC 3513 section 2.2 text forms: eight groups of 1-4 hex digits, at most one <c>::</c> standing for
    /// one or more zero groups, and optionally the last 32 bits as a dotted-quad. No zone index (the grammar's
    /// character set excludes '%'). Writes the address when <paramref name="address"/> has room for sixteen bytes.
    /// </summary>
    public static bool TryParseIPv6(ReadOnlySpan<char> text, Span<byte> address)
    {
        if (text.Length is < MinIPv6Length or > MaxIPv6Length) return false;
        Span<ushort> groups = stackalloc ushort[8];
        Span<byte> embedded = stackalloc byte[4];
        int count = 0, gapAt = -1, i = 0;
        var finished = false;

        if (text[0] == ':')
        {
            if (text[1] != ':') return false;
            gapAt = 0;
            i = 2;
            finished = i == text.Length;
        }

        while (!finished)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiHexDigit(text[i])) i++;

            if (i < text.Length && text[i] == '.')
            {
                // A dotted-quad tail is two groups and must end the address.
                if (count > 6 || !TryParseIPv4(text[start..], embedded)) return false;
                groups[count++] = (ushort)(embedded[0] << 8 | embedded[1]);
                groups[count++] = (ushort)(embedded[2] << 8 | embedded[3]);
                break;
            }

            var length = i - start;
            if (length is 0 or > 4 || count == 8) return false;
            ushort group = 0;
            foreach (var c in text[start..i]) group = (ushort)(group << 4 | HexValue(c));
            groups[count++] = group;

            if (i == text.Length) break;
            if (text[i] != ':') return false;
            i++;
            if (i == text.Length) return false; // a single trailing ':'
            if (text[i] == ':')
            {
                if (gapAt >= 0) return false; // only one "::"
                gapAt = count;
                i++;
                finished = i == text.Length;
            }
        }

        if (gapAt < 0 ? count != 8 : count > 7) return false;

        if (address.Length >= 16)
        {
            address[..16].Clear();
            var before = gapAt < 0 ? count : gapAt;
            var after = count - before;
            for (var g = 0; g < before; g++) WriteGroup(address, g, groups[g]);
            for (var g = 0; g < after; g++) WriteGroup(address, 8 - after + g, groups[before + g]);
        }
        return true;
    }

    private static void WriteGroup(Span<byte> address, int index, ushort value)
    {
        address[index * 2] = (byte)(value >> 8);
        address[index * 2 + 1] = (byte)value;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
