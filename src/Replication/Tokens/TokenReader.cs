namespace Cluster.Replication.Tokens;

/// <summary>
/// Reads the pieces of a token left to right. Numbers are ASCII decimal only (no sign, no whitespace, no other
/// script's digits, no leading zero), so every value has exactly one spelling and what parses formats back
/// to the same text.
/// </summary>
internal ref struct TokenReader(ReadOnlySpan<char> text)
{
    private readonly ReadOnlySpan<char> _text = text;
    private int _position;

    public readonly bool AtEnd => _position == _text.Length;

    /// <summary>Consumes <paramref name="c"/> if it is next.</summary>
    public bool TryConsume(char c)
    {
        if (_position < _text.Length && _text[_position] == c)
        {
            _position++;
            return true;
        }
        return false;
    }

    /// <summary>Requires <paramref name="separator"/> next.</summary>
    public TokenError Expect(char separator)
    {
        if (TryConsume(separator)) return TokenError.None;
        return AtEnd ? TokenError.Truncated : TokenError.InvalidCharacter;
    }

    /// <summary>After the last piece: anything left over is a character the grammar has no place for.</summary>
    public readonly TokenError ExpectEnd() => AtEnd ? TokenError.None : TokenError.InvalidCharacter;

    public TokenError ReadPosition(out long value) => ReadNumber(long.MaxValue, out value);

    public TokenError ReadWriterId(out int value)
    {
        var error = ReadNumber(int.MaxValue, out var wide);
        value = (int)wide;
        return error;
    }

    private TokenError ReadNumber(long max, out long value)
    {
        value = 0;
        var start = _position;
        while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
        {
            var digit = _text[_position] - '0';
            if (value > (max - digit) / 10) return TokenError.NumberTooLarge;
            value = value * 10 + digit;
            _position++;
        }

        var length = _position - start;
        if (length == 0) return AtEnd || IsSeparator(_text[_position]) ? TokenError.MissingNumber : TokenError.InvalidCharacter;
        if (length > 1 && _text[start] == '0') return TokenError.LeadingZero;
        return TokenError.None;
    }

    // '-' is left out: after a separator it reads as a minus sign, which is a bad character, not a missing number.
    private static bool IsSeparator(char c) => c is '~' or '.' or '_';
}
