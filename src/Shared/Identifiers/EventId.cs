using System.Diagnostics.CodeAnalysis;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Identifiers;

/// <summary>
/// An event ID in any form a room version uses: <c>$opaque:server_name</c> (versions 1-2) or <c>$</c> and the
/// 43-character unpadded Base64 reference hash (standard alphabet in version 3, URL-safe from version 4).
/// <see cref="IsValidFor(EventFormat)"/> or the format-taking <c>TryParse</c> checks it against a room version.
/// <c>default</c> is not a valid event ID and reads as the empty string.
/// </summary>
public readonly struct EventId : IEquatable<EventId>, IParsable<EventId>
{
    public const char Sigil = '$';

    private readonly string? _value;
    private readonly int _colon; // -1 for hash-derived IDs
    private readonly ServerNameLayout _server;
    private readonly HashAlphabet _alphabet;

    private EventId(string value, int colon, ServerNameLayout server, HashAlphabet alphabet)
    {
        _value = value;
        _colon = colon;
        _server = server;
        _alphabet = alphabet;
    }

    internal static EventId FromHash(string value, HashAlphabet alphabet) => new(value, -1, default, alphabet);

    /// <summary>Whether the ID has a <c>:server_name</c> part (room versions 1 and 2).</summary>
    public bool HasDomain => _value is not null && _colon >= 0;

    /// <summary>The server that generated a version 1-2 event ID; null for hash-derived IDs.</summary>
    public ServerName? ServerName => HasDomain ? new ServerName(_value![(_colon + 1)..], _server) : null;

    /// <summary>Everything after the sigil: the local ID and server name, or the encoded hash.</summary>
    public ReadOnlySpan<char> OpaqueSpan => _value is null ? [] : _value.AsSpan(1);

    internal HashAlphabet Alphabet => _alphabet;

    /// <summary>Whether this ID has the form <paramref name="format"/> gives event IDs.</summary>
    public bool IsValidFor(EventFormat format) => _value is not null && format switch
    {
        EventFormat.V1 => HasDomain,
        EventFormat.V2 => !HasDomain && _alphabet != HashAlphabet.UrlSafe,
        EventFormat.V3 => !HasDomain && _alphabet != HashAlphabet.Standard,
        _ => false,
    };

    public bool IsValidFor(RoomVersion version) => IsValidFor(version.EventFormat);

    /// <summary>Accepts any event ID form some room version uses.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, out EventId value, out IdentifierError error)
    {
        value = default;
        error = IdentifierGrammar.CheckEnvelope(s, Sigil);
        if (error != IdentifierError.None) return false;
        var colon = s!.IndexOf(':');
        if (colon < 0)
        {
            if (!ReferenceHash.TryClassify(s.AsSpan(1), out var alphabet)) { error = IdentifierError.InvalidHash; return false; }
            value = FromHash(s, alphabet);
            return true;
        }
        error = IdentifierGrammar.ValidateDomainForm(s, colon, out var server);
        if (error != IdentifierError.None) return false;
        value = new EventId(s, colon, server, HashAlphabet.Either);
        return true;
    }

    /// <summary>Accepts only the event ID form of <paramref name="format"/>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, EventFormat format, out EventId value, out IdentifierError error)
    {
        if (!TryParse(s, out value, out error))
        {
            // Without a ':' the general parse reads the ID as a would-be hash; a v1-2 room expects a server name.
            if (format == EventFormat.V1 && error == IdentifierError.InvalidHash) error = IdentifierError.MissingServerName;
            return false;
        }
        if (value.IsValidFor(format)) return true;
        value = default;
        error = IdentifierError.WrongEventIdFormat;
        return false;
    }

    public static bool TryParse([NotNullWhen(true)] string? s, out EventId value) => TryParse(s, out value, out _);

    public static EventId Parse(string? s) =>
        TryParse(s, out var value, out var error) ? value : throw new InvalidIdentifierException(IdentifierKind.EventId, error);

    public static EventId Parse(string? s, EventFormat format) =>
        TryParse(s, format, out var value, out var error) ? value : throw new InvalidIdentifierException(IdentifierKind.EventId, error);

    static EventId IParsable<EventId>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<EventId>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out EventId result) =>
        TryParse(s, out result, out _);

    public bool Equals(EventId other) => string.Equals(_value ?? "", other._value ?? "", StringComparison.Ordinal);
    public override bool Equals(object? obj) => obj is EventId other && Equals(other);
    public override int GetHashCode() => (_value ?? "").GetHashCode(StringComparison.Ordinal);
    public static bool operator ==(EventId left, EventId right) => left.Equals(right);
    public static bool operator !=(EventId left, EventId right) => !left.Equals(right);

    public override string ToString() => _value ?? "";
}
