namespace Cluster.Replication.Tokens;

/// <summary>
/// Thrown by the <c>Parse</c> methods of the token types; <c>TryParse</c> never throws. The message names the
/// token kind, the /sync field if any, and the reason, but never echoes the token, which may be long or hostile.
/// </summary>
public sealed class InvalidTokenException : FormatException
{
    public InvalidTokenException(TokenKind kind, TokenError error, int? field = null)
        : base(Compose(kind, error, field))
    {
        Kind = kind;
        Error = error;
        Field = field;
    }

    public TokenKind Kind { get; }
    public TokenError Error { get; }

    /// <summary>For a /sync token, the zero-based index of the field at fault (see <see cref="SyncStream"/>).</summary>
    public int? Field { get; }

    private static string Compose(TokenKind kind, TokenError error, int? field)
    {
        var name = kind switch
        {
            TokenKind.StreamPosition => "stream position",
            TokenKind.RoomStream => "room stream token",
            TokenKind.Sync => "sync token",
            _ => kind.ToString(),
        };
        var where = field is { } index ? $" in the {SyncStreams.Describe(index)} field" : "";
        return $"Invalid {name}: {error.Describe()}{where}.";
    }
}
