namespace Cluster.Shared.Identifiers;

/// <summary>
/// The parts the sigilled identifiers share: the sigil, the 255-byte limit, the permissive
/// localpart rule and the <c>:server_name</c> suffix.
/// </summary>
internal static class IdentifierGrammar
{
    /// <summary>User IDs, room IDs, room aliases and event IDs must not exceed 255 bytes (UTF-8), sigil and domain included.</summary>
    public const int MaxBytes = 255;

    /// <summary>
    /// Checks what every sigilled identifier needs before its own grammar: present, the right sigil, and
    /// not so long that no encoding could fit (a cheap guard before scanning untrusted input).
    /// </summary>
    public static IdentifierError CheckEnvelope(string? s, char sigil)
    {
        if (s is null) return IdentifierError.Null;
        if (s.Length == 0) return IdentifierError.Empty;
        if (s[0] != sigil) return IdentifierError.MissingSigil;
        if (s.Length > MaxBytes) return IdentifierError.TooLong;
        return IdentifierError.None;
    }

    /// <summary>
    /// <c>sigil localpart ":" server_name</c> within 255 bytes, where <paramref name="colon"/> is the first ':'
    /// (localparts never contain one). The localpart follows the appendix's permissive rule.
    /// </summary>
    public static IdentifierError ValidateDomainForm(string s, int colon, out ServerNameLayout server)
    {
        server = default;
        var error = ValidateOpaqueLocalpart(s.AsSpan(1, colon - 1), out var localpartBytes);
        if (error != IdentifierError.None) return error;
        error = ServerNameGrammar.Validate(s.AsSpan(colon + 1), out server);
        if (error != IdentifierError.None) return error;
        // The sigil, ':' and a valid server name are ASCII: one byte per character.
        var bytes = 1 + localpartBytes + (s.Length - colon);
        return bytes > MaxBytes ? IdentifierError.TooLong : IdentifierError.None;
    }

    /// <summary>
    /// The localpart rule for room IDs, room aliases and historical user IDs: any Unicode code point except
    /// ':' and NUL, control characters included; in UTF-16 that means no unpaired surrogates.
    /// Reports the UTF-8 length for the byte limit.
    /// </summary>
    public static IdentifierError ValidateOpaqueLocalpart(ReadOnlySpan<char> localpart, out int utf8Length)
    {
        utf8Length = 0;
        if (localpart.Contains('\0')) return IdentifierError.ContainsNul;
        var firstNonAscii = localpart.IndexOfAnyExceptInRange('\0', '\u007f');
        if (firstNonAscii < 0)
        {
            utf8Length = localpart.Length;
            return IdentifierError.None;
        }

        var bytes = firstNonAscii;
        for (var i = firstNonAscii; i < localpart.Length; i++)
        {
            var c = localpart[i];
            if (c < 0x80) bytes += 1;
            else if (c < 0x800) bytes += 2;
            else if (char.IsHighSurrogate(c))
            {
                if (i + 1 == localpart.Length || !char.IsLowSurrogate(localpart[i + 1])) return IdentifierError.InvalidUnicode;
                bytes += 4;
                i++;
            }
            else if (char.IsLowSurrogate(c)) return IdentifierError.InvalidUnicode;
            else bytes += 3;
        }
        utf8Length = bytes;
        return IdentifierError.None;
    }
}
