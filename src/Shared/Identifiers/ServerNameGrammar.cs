using System.Buffers;

namespace Cluster.Shared.Identifiers;

/// <summary>What kind of hostname a server name has.</summary>
public enum ServerNameHostKind : byte
{
    DnsName,
    IPv4Literal,
    /// <summary>A bracketed IPv6 literal such as <c>[1234:5678::abcd]</c>.</summary>
    IPv6Literal,
}

/// <summary>Where the hostname ends and what port follows, inside a validated server name.</summary>
internal readonly record struct ServerNameLayout(int HostLength, ushort Port, ServerNameHostKind HostKind);

/// <summary>
/// The appendix grammar <c>server_name = hostname [ ":" port ]</c>, checked over a span so the
/// identifiers that embed a server name validate it without allocating.
/// </summary>
internal static class ServerNameGrammar
{
    /// <summary>The grammar's <c>dns-name = 1*255dns-char</c>.</summary>
    public const int MaxDnsNameLength = 255;
    private const int MaxPortDigits = 5;

    private static readonly SearchValues<char> DnsChars =
        SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-.");
    private static readonly SearchValues<char> DigitsAndDots = SearchValues.Create("0123456789.");

    public static IdentifierError Validate(ReadOnlySpan<char> text, out ServerNameLayout layout)
    {
        layout = default;
        if (text.IsEmpty) return IdentifierError.EmptyHostname;

        int hostLength;
        ServerNameHostKind kind;
        if (text[0] == '[')
        {
            var close = text.IndexOf(']');
            if (close < 0) return IdentifierError.UnterminatedIPv6Literal;
            if (!IPLiterals.TryParseIPv6(text[1..close], [])) return IdentifierError.InvalidIPv6Address;
            hostLength = close + 1;
            kind = ServerNameHostKind.IPv6Literal;
        }
        else
        {
            var colon = text.IndexOf(':');
            var host = colon < 0 ? text : text[..colon];
            if (host.IsEmpty) return IdentifierError.EmptyHostname;
            if (host.ContainsAnyExcept(DnsChars)) return IdentifierError.InvalidCharacter;
            // RFC 1123 2.1: a host name's top label is never numeric, so digits and dots can only
            // mean an address; requiring a proper dotted quad stops "1.2.3" or "1.2.3.999" posing as names.
            if (!host.ContainsAnyExcept(DigitsAndDots))
            {
                if (!IPLiterals.TryParseIPv4(host, [])) return IdentifierError.InvalidIPv4Address;
                kind = ServerNameHostKind.IPv4Literal;
            }
            else
            {
                if (host.Length > MaxDnsNameLength) return IdentifierError.TooLong;
                kind = ServerNameHostKind.DnsName;
            }
            hostLength = host.Length;
        }

        ushort port = 0;
        var rest = text[hostLength..];
        if (!rest.IsEmpty)
        {
            if (rest[0] != ':') return IdentifierError.InvalidCharacter; // e.g. "[::1]x"
            var digits = rest[1..];
            if (digits.IsEmpty || digits.Length > MaxPortDigits || digits.ContainsAnyExceptInRange('0', '9'))
                return IdentifierError.InvalidPort;
            var value = 0;
            foreach (var c in digits) value = value * 10 + (c - '0');
            // The grammar allows any 1-5 digits; 0 and values past 65535 cannot be a TCP port.
            if (value is 0 or > ushort.MaxValue) return IdentifierError.PortOutOfRange;
            port = (ushort)value;
        }

        layout = new ServerNameLayout(hostLength, port, kind);
        return IdentifierError.None;
    }
}
