using System.Diagnostics.CodeAnalysis;

namespace Cluster.Shared.Identifiers;

/// <summary>
/// A room alias, <c>#alias:server_name</c>, at most 255 bytes; the alias part may hold any code point
/// except ':' and NUL. <c>default</c> is not a valid alias and reads as the empty string.
/// </summary>
public readonly struct RoomAlias : IEquatable<RoomAlias>, IParsable<RoomAlias>
{
    public const char Sigil = '#';

    private readonly string? _value;
    private readonly int _colon;
    private readonly ServerNameLayout _server;

    private RoomAlias(string value, int colon, ServerNameLayout server)
    {
        _value = value;
        _colon = colon;
        _server = server;
    }

    /// <summary>The part between the sigil and the server name.</summary>
    public string Alias => _value is null ? "" : _value[1.._colon];

    public ServerName ServerName => _value is null ? default : new ServerName(_value[(_colon + 1)..], _server);

    public ReadOnlySpan<char> ServerNameSpan => _value is null ? [] : _value.AsSpan(_colon + 1);

    /// <summary>Whether <paramref name="server"/> created the alias (and so answers queries for it), without allocating.</summary>
    public bool IsFromServer(ServerName server) => _value is not null && ServerNameSpan.SequenceEqual(server.ToString());

    public static bool TryParse([NotNullWhen(true)] string? s, out RoomAlias value, out IdentifierError error)
    {
        value = default;
        error = IdentifierGrammar.CheckEnvelope(s, Sigil);
        if (error != IdentifierError.None) return false;
        var colon = s!.IndexOf(':');
        if (colon < 0) { error = IdentifierError.MissingServerName; return false; }
        error = IdentifierGrammar.ValidateDomainForm(s, colon, out var server);
        if (error != IdentifierError.None) return false;
        value = new RoomAlias(s, colon, server);
        return true;
    }

    public static bool TryParse([NotNullWhen(true)] string? s, out RoomAlias value) => TryParse(s, out value, out _);

    public static RoomAlias Parse(string? s) =>
        TryParse(s, out var value, out var error) ? value : throw new InvalidIdentifierException(IdentifierKind.RoomAlias, error);

    static RoomAlias IParsable<RoomAlias>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<RoomAlias>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out RoomAlias result) =>
        TryParse(s, out result, out _);

    public bool Equals(RoomAlias other) => string.Equals(_value ?? "", other._value ?? "", StringComparison.Ordinal);
    public override bool Equals(object? obj) => obj is RoomAlias other && Equals(other);
    public override int GetHashCode() => (_value ?? "").GetHashCode(StringComparison.Ordinal);
    public static bool operator ==(RoomAlias left, RoomAlias right) => left.Equals(right);
    public static bool operator !=(RoomAlias left, RoomAlias right) => !left.Equals(right);

    public override string ToString() => _value ?? "";
}
