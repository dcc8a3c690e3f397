using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Cluster.Shared.Identifiers;

/// <summary>How a user ID's localpart measures against the spec's current and historical grammars.</summary>
public enum LocalpartCompliance : byte
{
    /// <summary>Non-empty and only <c>a-z 0-9 . _ = - / +</c>: the grammar for new user IDs.</summary>
    Conformant,
    /// <summary>Non-empty printable ASCII (U+0021-U+007E) outside the current grammar, e.g. upper case: historical but compliant.</summary>
    Historical,
    /// <summary>
    /// Empty, or containing characters outside U+0021-U+007E. Accepted in events over federation, but
    /// servers should not forward such IDs to clients outside the context of an event.
    /// </summary>
    NonCompliant,
}

/// <summary>
/// A user ID, <c>@localpart:server_name</c>, at most 255 bytes. Parsing accepts every user ID the spec
/// says servers must accept from federation (historical localparts: any code point except ':' and NUL);
/// <see cref="Compliance"/> says whether it would be allowed for a new registration.
/// <c>default</c> is not a valid user ID and reads as the empty string.
/// </summary>
public readonly struct UserId : IEquatable<UserId>, IParsable<UserId>
{
    public const char Sigil = '@';

    private static readonly SearchValues<char> ConformantChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789._=-/+");

    private readonly string? _value;
    private readonly int _colon;
    private readonly ServerNameLayout _server;
    private readonly LocalpartCompliance _compliance;

    private UserId(string value, int colon, ServerNameLayout server, LocalpartCompliance compliance)
    {
        _value = value;
        _colon = colon;
        _server = server;
        _compliance = compliance;
    }

    public string Localpart => _value is null ? "" : _value[1.._colon];

    public ReadOnlySpan<char> LocalpartSpan => _value is null ? [] : _value.AsSpan(1, _colon - 1);

    public ServerName ServerName => _value is null ? default : new ServerName(_value[(_colon + 1)..], _server);

    public ReadOnlySpan<char> ServerNameSpan => _value is null ? [] : _value.AsSpan(_colon + 1);

    public LocalpartCompliance Compliance => _compliance;

    /// <summary>Whether the localpart meets the current grammar, as a newly registered user's must.</summary>
    public bool IsConformant => _value is not null && _compliance == LocalpartCompliance.Conformant;

    /// <summary>Whether the ID belongs to <paramref name="server"/>, without allocating.</summary>
    public bool IsFromServer(ServerName server) => _value is not null && ServerNameSpan.SequenceEqual(server.ToString());

    /// <summary>Whether a localpart meets the current grammar (non-empty, <c>a-z 0-9 . _ = - / +</c>).</summary>
    public static bool IsConformantLocalpart(ReadOnlySpan<char> localpart) =>
        !localpart.IsEmpty && !localpart.ContainsAnyExcept(ConformantChars);

    public static bool TryParse([NotNullWhen(true)] string? s, out UserId value, out IdentifierError error)
    {
        value = default;
        error = IdentifierGrammar.CheckEnvelope(s, Sigil);
        if (error != IdentifierError.None) return false;
        var colon = s!.IndexOf(':');
        if (colon < 0) { error = IdentifierError.MissingServerName; return false; }
        error = IdentifierGrammar.ValidateDomainForm(s, colon, out var server);
        if (error != IdentifierError.None) return false;
        value = new UserId(s, colon, server, Classify(s.AsSpan(1, colon - 1)));
        return true;
    }

    public static bool TryParse([NotNullWhen(true)] string? s, out UserId value) => TryParse(s, out value, out _);

    public static UserId Parse(string? s) =>
        TryParse(s, out var value, out var error) ? value : throw new InvalidIdentifierException(IdentifierKind.UserId, error);

    static UserId IParsable<UserId>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<UserId>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out UserId result) =>
        TryParse(s, out result, out _);

    public bool Equals(UserId other) => string.Equals(_value ?? "", other._value ?? "", StringComparison.Ordinal);
    public override bool Equals(object? obj) => obj is UserId other && Equals(other);
    public override int GetHashCode() => (_value ?? "").GetHashCode(StringComparison.Ordinal);
    public static bool operator ==(UserId left, UserId right) => left.Equals(right);
    public static bool operator !=(UserId left, UserId right) => !left.Equals(right);

    public override string ToString() => _value ?? "";

    private static LocalpartCompliance Classify(ReadOnlySpan<char> localpart)
    {
        if (IsConformantLocalpart(localpart)) return LocalpartCompliance.Conformant;
        if (localpart.IsEmpty || localpart.ContainsAnyExceptInRange('\u0021', '\u007e')) return LocalpartCompliance.NonCompliant;
        return LocalpartCompliance.Historical;
    }
}
