using System.Diagnostics.CodeAnalysis;

namespace Cluster.Replication.Tokens;

/// <summary>
/// A position in the events stream as clients see it (<c>prev_batch</c>, and <c>from</c>/<c>to</c>/<c>start</c>/<c>end</c>
/// of /messages and /context). Two forms:
/// <list type="bullet">
/// <item><see cref="LiveRoomStreamToken"/>: where the live stream is up to, <c>s{pos}</c> for one position or
/// <c>m{min}~{writer}.{pos}~...</c> when some persisters are ahead of the others.</item>
/// <item><see cref="TopologicalRoomStreamToken"/>: a place in one room's history for /messages,
/// <c>t{depth}-{pos}</c>.</item>
/// </list>
/// Only the text each type formats is accepted back (one spelling per token), so forged or mangled tokens are
/// refused rather than guessed at.
/// </summary>
public abstract class RoomStreamToken : IEquatable<RoomStreamToken>
{
    internal const char SingleMarker = 's';
    internal const char TopologicalMarker = 't';

    private protected RoomStreamToken()
    {
    }

    /// <exception cref="InvalidTokenException">The text is not a room stream token.</exception>
    public static RoomStreamToken Parse(string? text) =>
        TryParse(text, out var token, out var error) ? token : throw new InvalidTokenException(TokenKind.RoomStream, error);

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out RoomStreamToken? token) =>
        TryParse(text, out token, out _);

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out RoomStreamToken? token, out TokenError error)
    {
        token = null;
        error = CheckEnvelope(text);
        if (error != TokenError.None) return false;
        if (text![0] == TopologicalMarker)
        {
            error = TopologicalRoomStreamToken.ParseBody(text.AsSpan(1), out var topological);
            token = topological;
        }
        else
        {
            error = LiveRoomStreamToken.ParseBody(text.AsSpan(), out var live);
            token = live;
        }
        return error == TokenError.None;
    }

    internal static TokenError CheckEnvelope(string? text) => text switch
    {
        null => TokenError.Null,
        "" => TokenError.Empty,
        { Length: > TokenLimits.MaxLength } => TokenError.TooLong,
        _ => TokenError.None,
    };

    public abstract bool Equals(RoomStreamToken? other);

    public sealed override bool Equals(object? obj) => obj is RoomStreamToken other && Equals(other);

    public abstract override int GetHashCode();

    public abstract override string ToString();

    public static bool operator ==(RoomStreamToken? left, RoomStreamToken? right) =>
        left is null ? right is null : left.Equals(right);

    public static bool operator !=(RoomStreamToken? left, RoomStreamToken? right) => !(left == right);
}
