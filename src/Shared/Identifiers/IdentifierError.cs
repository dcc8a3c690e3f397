namespace Cluster.Shared.Identifiers;

/// <summary>Why a string is not a valid Matrix identifier (appendix "Identifier Grammar").</summary>
public enum IdentifierError
{
    None,
    Null,
    Empty,
    /// <summary>The first character is not the sigil of the expected identifier type.</summary>
    MissingSigil,
    /// <summary>The identifier needs a <c>:server_name</c> part and has none.</summary>
    MissingServerName,
    /// <summary>Longer than the 255-byte identifier limit (or the 255-character DNS name limit).</summary>
    TooLong,
    /// <summary>A NUL (U+0000), which no identifier may contain.</summary>
    ContainsNul,
    /// <summary>An unpaired UTF-16 surrogate: localparts must be valid non-surrogate code points.</summary>
    InvalidUnicode,
    /// <summary>A character the grammar does not allow at that position.</summary>
    InvalidCharacter,
    EmptyHostname,
    InvalidIPv4Address,
    InvalidIPv6Address,
    /// <summary>An IPv6 literal opened with <c>[</c> but never closed.</summary>
    UnterminatedIPv6Literal,
    /// <summary>The port is empty, longer than five characters or not all decimal digits.</summary>
    InvalidPort,
    /// <summary>The port is not in 1-65535.</summary>
    PortOutOfRange,
    /// <summary>No server name and not a 43-character unpadded Base64 SHA-256 hash.</summary>
    InvalidHash,
    /// <summary>A well-formed event ID of a form the room version does not use.</summary>
    WrongEventIdFormat,
}

public static class IdentifierErrorExtensions
{
    public static string Describe(this IdentifierError error) => error switch
    {
        IdentifierError.None => "no error",
        IdentifierError.Null => "the value is null",
        IdentifierError.Empty => "the value is empty",
        IdentifierError.MissingSigil => "it does not start with the expected sigil",
        IdentifierError.MissingServerName => "it has no ':server_name' part",
        IdentifierError.TooLong => "it exceeds the length limit",
        IdentifierError.ContainsNul => "it contains a NUL character",
        IdentifierError.InvalidUnicode => "it contains an unpaired UTF-16 surrogate",
        IdentifierError.InvalidCharacter => "it contains a character the grammar does not allow",
        IdentifierError.EmptyHostname => "the server name has an empty hostname",
        IdentifierError.InvalidIPv4Address => "the hostname is not a valid dotted-quad IPv4 literal",
        IdentifierError.InvalidIPv6Address => "the bracketed hostname is not a valid IPv6 literal",
        IdentifierError.UnterminatedIPv6Literal => "the IPv6 literal has no closing ']'",
        IdentifierError.InvalidPort => "the port is not 1 to 5 decimal digits",
        IdentifierError.PortOutOfRange => "the port is not between 1 and 65535",
        IdentifierError.InvalidHash => "it has no server name and is not a 43-character unpadded Base64 hash",
        IdentifierError.WrongEventIdFormat => "the event ID does not have the form this room version uses",
        _ => error.ToString(),
    };
}

/// <summary>The kinds of identifier, for error messages.</summary>
public enum IdentifierKind
{
    ServerName,
    UserId,
    RoomId,
    RoomAlias,
    EventId,
}

/// <summary>Thrown by the <c>Parse</c> methods of the identifier types; <c>TryParse</c> never throws.</summary>
public sealed class InvalidIdentifierException(IdentifierKind kind, IdentifierError error)
    : FormatException($"Invalid {Name(kind)}: {error.Describe()}.")
{
    public IdentifierKind Kind { get; } = kind;
    public IdentifierError Error { get; } = error;

    private static string Name(IdentifierKind kind) => kind switch
    {
        IdentifierKind.ServerName => "server name",
        IdentifierKind.UserId => "user ID",
        IdentifierKind.RoomId => "room ID",
        IdentifierKind.RoomAlias => "room alias",
        IdentifierKind.EventId => "event ID",
        _ => kind.ToString(),
    };
}
