using System.Diagnostics.CodeAnalysis;

namespace Cluster.Shared.Identifiers;

/// <summary>
/// A room ID in either form: <c>!opaque:server_name</c> (room versions 1-11; at most 255 bytes, the opaque
/// part any code point except ':' and NUL) or, from version 12, the create event's ID with <c>!</c> for
/// <c>$</c>: 43 characters of URL-safe unpadded Base64 and no server name.
/// <c>default</c> is not a valid room ID and reads as the empty string.
/// </summary>
public readonly struct RoomId : IEquatable<RoomId>, IParsable<RoomId>
{
    public const char Sigil = '!';

    private readonly string? _value;
    private readonly int _colon; // -1 for IDs derived from the create event
    private readonly ServerNameLayout _server;

    private RoomId(string value, int colon, ServerNameLayout server)
    {
        _value = value;
        _colon = colon;
        _server = server;
    }

    /// <summary>Whether the ID has a <c>:server_name</c> part (rooms before version 12).</summary>
    public bool HasDomain => _value is not null && _colon >= 0;

    /// <summary>The server that created the room, when the ID names one. Only namespacing: the room need not live there.</summary>
    public ServerName? ServerName => HasDomain ? new ServerName(_value![(_colon + 1)..], _server) : null;

    /// <summary>Everything after the sigil: the local ID and server name, or the encoded hash.</summary>
    public ReadOnlySpan<char> OpaqueSpan => _value is null ? [] : _value.AsSpan(1);

    /// <summary>For a domain-less ID, the ID of the room's <c>m.room.create</c> event (the same hash with <c>$</c>).</summary>
    public EventId? CreateEventId =>
        _value is null || HasDomain || !ReferenceHash.TryClassify(_value.AsSpan(1), out var alphabet)
            ? null
            : EventId.FromHash(EventId.Sigil + _value[1..], alphabet);

    /// <summary>
    /// The domain-less room ID a version 12+ create event gives its room. False for IDs that cannot name
    /// such a room: those with a server name or in the standard Base64 alphabet.
    /// </summary>
    public static bool TryFromCreateEventId(EventId createEventId, out RoomId roomId)
    {
        roomId = default;
        if (createEventId.HasDomain || createEventId.Alphabet == HashAlphabet.Standard) return false;
        var text = createEventId.ToString();
        if (text.Length == 0) return false;
        roomId = new RoomId(Sigil + text[1..], -1, default);
        return true;
    }

    public static bool TryParse([NotNullWhen(true)] string? s, out RoomId value, out IdentifierError error)
    {
        value = default;
        error = IdentifierGrammar.CheckEnvelope(s, Sigil);
        if (error != IdentifierError.None) return false;
        var colon = s!.IndexOf(':');
        if (colon < 0)
        {
            // The create event's ID in a version 12+ room, whose event IDs use the URL-safe alphabet.
            if (!ReferenceHash.TryClassify(s.AsSpan(1), out var alphabet) || alphabet == HashAlphabet.Standard)
            {
                error = IdentifierError.InvalidHash;
                return false;
            }
            value = new RoomId(s, -1, default);
            return true;
        }
        error = IdentifierGrammar.ValidateDomainForm(s, colon, out var server);
        if (error != IdentifierError.None) return false;
        value = new RoomId(s, colon, server);
        return true;
    }

    public static bool TryParse([NotNullWhen(true)] string? s, out RoomId value) => TryParse(s, out value, out _);

    public static RoomId Parse(string? s) =>
        TryParse(s, out var value, out var error) ? value : throw new InvalidIdentifierException(IdentifierKind.RoomId, error);

    static RoomId IParsable<RoomId>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<RoomId>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out RoomId result) =>
        TryParse(s, out result, out _);

    public bool Equals(RoomId other) => string.Equals(_value ?? "", other._value ?? "", StringComparison.Ordinal);
    public override bool Equals(object? obj) => obj is RoomId other && Equals(other);
    public override int GetHashCode() => (_value ?? "").GetHashCode(StringComparison.Ordinal);
    public static bool operator ==(RoomId left, RoomId right) => left.Equals(right);
    public static bool operator !=(RoomId left, RoomId right) => !left.Equals(right);

    public override string ToString() => _value ?? "";
}
