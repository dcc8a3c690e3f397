using System.Diagnostics.CodeAnalysis;
using System.Text;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Signing;

namespace Cluster.Shared.Federation.Authentication;

/// <summary>
/// The <c>Authorization: X-Matrix ...</c> header of a federation request (server-server spec,
/// "Request Authentication"): the sending server, the server it meant the request for, the key
/// it signed with and the signature. Parameters follow RFC 9110 auth-params: names are
/// case-insensitive, values are tokens or quoted strings with backslash escapes.
/// </summary>
public sealed record XMatrixAuthorization(ServerName Origin, ServerName? Destination, SigningKeyId KeyId, string Signature)
{
    public const string Scheme = "X-Matrix";

    // A real header is a few hundred bytes; anything far larger is not worth parsing.
    private const int MaxHeaderLength = 8192;

    /// <summary>The header value, every parameter quoted (what this server sends).</summary>
    public string Format()
    {
        var text = new StringBuilder(Scheme).Append(' ');
        Append(text, "origin", Origin.ToString()).Append(',');
        if (Destination is { } destination)
            Append(text, "destination", destination.ToString()).Append(',');
        Append(text, "key", KeyId.ToString()).Append(',');
        return Append(text, "sig", Signature).ToString();
    }

    private static StringBuilder Append(StringBuilder text, string name, string value)
    {
        text.Append(name).Append("=\"");
        foreach (var c in value)
        {
            if (c is '"' or '\\') text.Append('\\');
            text.Append(c);
        }
        return text.Append('"');
    }

    /// <summary>
    /// Reads a header value. False with a reason for anything but exactly one each of origin, key
    /// and sig (destination optional, as the spec asks for compatibility with older servers),
    /// with a valid server name and key ID; unknown parameters are ignored.
    /// </summary>
    public static bool TryParse(string? header, [NotNullWhen(true)] out XMatrixAuthorization? result, out string error)
    {
        result = null;
        if (string.IsNullOrEmpty(header)) return Fail("no Authorization header", out error);
        if (header.Length > MaxHeaderLength) return Fail("the Authorization header is too long", out error);
        var span = header.AsSpan();
        var space = span.IndexOfAny(' ', '\t');
        if (space < 0 || !span[..space].Equals(Scheme, StringComparison.OrdinalIgnoreCase))
            return Fail("the Authorization header is not of the X-Matrix scheme", out error);

        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var position = space;
        while (true)
        {
            position = SkipWhitespace(header, position);
            if (position == header.Length) break;
            if (!TryReadToken(header, ref position, out var name))
                return Fail("a parameter of the X-Matrix header has no name", out error);
            position = SkipWhitespace(header, position);
            if (position == header.Length || header[position] != '=')
                return Fail($"the X-Matrix parameter '{name}' has no value", out error);
            position = SkipWhitespace(header, position + 1);
            string value;
            if (position < header.Length && header[position] == '"')
            {
                if (!TryReadQuoted(header, ref position, out value))
                    return Fail($"the X-Matrix parameter '{name}' has an unterminated quoted value", out error);
            }
            else if (!TryReadToken(header, ref position, out value))
                return Fail($"the X-Matrix parameter '{name}' has an empty or malformed value", out error);
            if (!parameters.TryAdd(name, value))
                return Fail($"the X-Matrix parameter '{name}' appears twice", out error);
            position = SkipWhitespace(header, position);
            if (position == header.Length) break;
            if (header[position] != ',')
                return Fail("X-Matrix parameters must be separated by commas", out error);
            position++;
        }

        if (!parameters.TryGetValue("origin", out var originText)) return Fail("the X-Matrix header has no origin", out error);
        if (!parameters.TryGetValue("key", out var keyText)) return Fail("the X-Matrix header has no key", out error);
        if (!parameters.TryGetValue("sig", out var sig) || sig.Length == 0) return Fail("the X-Matrix header has no sig", out error);
        if (!ServerName.TryParse(originText, out var origin)) return Fail("the X-Matrix origin is not a valid server name", out error);
        ServerName? destination = null;
        if (parameters.TryGetValue("destination", out var destinationText))
        {
            if (!ServerName.TryParse(destinationText, out var parsed))
                return Fail("the X-Matrix destination is not a valid server name", out error);
            destination = parsed;
        }
        if (!SigningKeyId.TryParse(keyText, out var keyId)) return Fail("the X-Matrix key is not a key ID", out error);
        result = new XMatrixAuthorization(origin, destination, keyId, sig);
        error = "";
        return true;
    }

    private static bool Fail(string reason, out string error)
    {
        error = reason;
        return false;
    }

    private static int SkipWhitespace(string text, int position)
    {
        while (position < text.Length && text[position] is ' ' or '\t') position++;
        return position;
    }

    // RFC 9110 tchar.
    private static bool IsTokenChar(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~'
            // ':' is not a tchar, but key IDs (ed25519:abc) and server names with ports are commonly sent unquoted.
            or ':' or '/' or '=' or '[' or ']';

    private static bool TryReadToken(string text, ref int position, out string token)
    {
        var start = position;
        // '=' belongs to a token value (padded Base64) but ends a parameter name.
        while (position < text.Length && IsTokenChar(text[position]) && !(text[position] == '=' && IsNamePosition(text, start)))
            position++;
        token = text[start..position];
        return token.Length > 0;
    }

    // A name is followed by '='; a value starts right after '=' (skipping whitespace).
    private static bool IsNamePosition(string text, int start)
    {
        var before = start - 1;
        while (before >= 0 && text[before] is ' ' or '\t') before--;
        return before < 0 || text[before] != '=';
    }

    private static bool TryReadQuoted(string text, ref int position, out string value)
    {
        var builder = new StringBuilder();
        position++;
        while (position < text.Length)
        {
            var c = text[position++];
            if (c == '"')
            {
                value = builder.ToString();
                return true;
            }
            if (c == '\\')
            {
                if (position == text.Length) break;
                c = text[position++];
            }
            builder.Append(c);
        }
        value = "";
        return false;
    }
}
