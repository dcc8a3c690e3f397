using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Cluster.Shared.Push;

/// <summary>
/// Glob-style matching (spec appendix: '*' any run of characters, '?' exactly one),
/// case-insensitive as event_match requires. Patterns come from users' push rules, so the
/// regular expressions are built with the non-backtracking engine: matching time stays
/// linear in the input whatever the pattern.
/// </summary>
public static class Glob
{
    private const int CacheLimit = 4096;
    private const string WordCharacters = "A-Za-z0-9_";
    private static readonly ConcurrentDictionary<(string, Mode), Regex> Cache = new();

    private enum Mode
    {
        Whole,
        Word,
    }

    /// <summary>Whether the pattern matches all of <paramref name="value"/>.</summary>
    public static bool Matches(string pattern, string value) =>
        IsLiteral(pattern)
            ? string.Equals(pattern, value, StringComparison.OrdinalIgnoreCase)
            : Get(pattern, Mode.Whole).IsMatch(value);

    /// <summary>
    /// Whether the pattern matches a substring of <paramref name="value"/> that starts and ends
    /// at word boundaries (the start or end of the value, or a character outside [A-Za-z0-9_]):
    /// how event_match treats content.body and how content rules match.
    /// </summary>
    public static bool MatchesWords(string pattern, string value) =>
        IsLiteral(pattern) ? ContainsLiteralWords(pattern, value) : Get(pattern, Mode.Word).IsMatch(value);

    /// <summary>Like <see cref="MatchesWords"/> for a literal text (no wildcards): display names.</summary>
    public static bool ContainsWords(string literal, string value) => ContainsLiteralWords(literal, value);

    // Literal patterns (every user's localpart and display name are one) are searched directly:
    // building a non-backtracking regex costs milliseconds, and each new user brings new ones.
    private static bool IsLiteral(string pattern) => pattern.AsSpan().IndexOfAny('*', '?') < 0;

    private static bool ContainsLiteralWords(string literal, string value)
    {
        if (literal.Length == 0)
            return false;
        for (var start = 0; start <= value.Length - literal.Length;)
        {
            var at = value.IndexOf(literal, start, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
                return false;
            var end = at + literal.Length;
            if ((at == 0 || !IsWordCharacter(value[at - 1])) && (end == value.Length || !IsWordCharacter(value[end])))
                return true;
            start = at + 1;
        }
        return false;
    }

    private static bool IsWordCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static Regex Get(string pattern, Mode mode)
    {
        if (Cache.TryGetValue((pattern, mode), out var cached))
            return cached;
        var regex = Build(pattern, mode);
        if (Cache.Count >= CacheLimit)
            Cache.Clear();
        Cache[(pattern, mode)] = regex;
        return regex;
    }

    private static Regex Build(string pattern, Mode mode)
    {
        var body = new StringBuilder();
        foreach (var c in pattern)
        {
            if (c == '*')
                body.Append(".*");
            else if (c == '?')
                body.Append('.');
            else
                body.Append(Regex.Escape(c.ToString()));
        }
        var text = mode == Mode.Whole
            ? $@"\A(?:{body})\z"
            : $@"(?:\A|[^{WordCharacters}])(?:{body})(?:[^{WordCharacters}]|\z)";
        return new Regex(text,
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline | RegexOptions.NonBacktracking);
    }
}
