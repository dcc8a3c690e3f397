using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Cluster.Shared.Identifiers;

/// <summary>
/// A homeserver's name: a DNS name, IPv4 literal or bracketed IPv6 literal, with an optional port.
/// Compared case-sensitively, as the spec requires (<c>MATRIX.ORG</c> is not <c>matrix.org</c>).
/// <c>default</c> is not a valid server name and reads as the empty string.
/// </summary>
public readonly struct ServerName : IEquatable<ServerName>, IParsable<ServerName>
{
    /// <summary>The spec recommends complete server names of at most 230 characters, leaving room in IDs.</summary>
    public const int RecommendedMaxLength = 230;
    private const int MaxDnsLabelLength = 63;

    private readonly string? _value;
    private readonly ServerNameLayout _layout;

    internal ServerName(string value, ServerNameLayout layout)
    {
        _value = value;
        _layout = layout;
    }

    /// <summary>The hostname as written; IPv6 literals keep their brackets (the grammar's <c>hostname</c>).</summary>
    public string Host => _value is null ? "" : _layout.HostLength == _value.Length ? _value : _value[.._layout.HostLength];

    public ReadOnlySpan<char> HostSpan => _value.AsSpan(0, _layout.HostLength);

    /// <summary>The explicit port, or null when the server name has none.</summary>
    public int? Port => _layout.Port == 0 ? null : _layout.Port;

    public ServerNameHostKind HostKind => _layout.HostKind;

    public bool IsIPLiteral => _layout.HostKind != ServerNameHostKind.DnsName;

    /// <summary>
    /// Whether the name also meets the spec's recommendations, which are not required of other servers
    /// but are worth checking for our own configured name: at most 230 characters, no upper case, and a
    /// DNS name made of 1-63 character labels that do not start or end with '-'.
    /// </summary>
    public bool FollowsRecommendations
    {
        get
        {
            var text = _value.AsSpan();
            if (text.Length > RecommendedMaxLength || text.ContainsAnyInRange('A', 'Z')) return false;
            return _layout.HostKind != ServerNameHostKind.DnsName || HasConventionalLabels(HostSpan);
        }
    }

    /// <summary>
    /// The address of an IP literal, read as the spec defines it (decimal IPv4 parts), so callers need not
    /// hand <see cref="Host"/> to <see cref="IPAddress.Parse(string)"/>, which reads leading zeros as octal.
    /// </summary>
    public bool TryGetIPAddress([NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        switch (_layout.HostKind)
        {
            case ServerNameHostKind.IPv4Literal:
                Span<byte> v4 = stackalloc byte[4];
                if (!IPLiterals.TryParseIPv4(HostSpan, v4)) return false;
                address = new IPAddress(v4);
                return true;
            case ServerNameHostKind.IPv6Literal:
                Span<byte> v6 = stackalloc byte[16];
                if (!IPLiterals.TryParseIPv6(HostSpan[1..^1], v6)) return false;
                address = new IPAddress(v6);
                return true;
            default:
                return false;
        }
    }

    public static bool TryParse([NotNullWhen(true)] string? s, out ServerName value, out IdentifierError error)
    {
        value = default;
        if (s is null) { error = IdentifierError.Null; return false; }
        if (s.Length == 0) { error = IdentifierError.Empty; return false; }
        error = ServerNameGrammar.Validate(s, out var layout);
        if (error != IdentifierError.None) return false;
        value = new ServerName(s, layout);
        return true;
    }

    public static bool TryParse([NotNullWhen(true)] string? s, out ServerName value) => TryParse(s, out value, out _);

    public static ServerName Parse(string? s) =>
        TryParse(s, out var value, out var error) ? value : throw new InvalidIdentifierException(IdentifierKind.ServerName, error);

    static ServerName IParsable<ServerName>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<ServerName>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out ServerName result) =>
        TryParse(s, out result, out _);

    public bool Equals(ServerName other) => string.Equals(_value ?? "", other._value ?? "", StringComparison.Ordinal);
    public override bool Equals(object? obj) => obj is ServerName other && Equals(other);
    public override int GetHashCode() => (_value ?? "").GetHashCode(StringComparison.Ordinal);
    public static bool operator ==(ServerName left, ServerName right) => left.Equals(right);
    public static bool operator !=(ServerName left, ServerName right) => !left.Equals(right);

    public override string ToString() => _value ?? "";

    private static bool HasConventionalLabels(ReadOnlySpan<char> host)
    {
        foreach (var range in host.Split('.'))
        {
            var label = host[range];
            if (label.IsEmpty || label.Length > MaxDnsLabelLength || label[0] == '-' || label[^1] == '-') return false;
        }
        return true;
    }
}
