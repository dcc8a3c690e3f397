using System.Diagnostics.CodeAnalysis;

namespace Cluster.Replication.Tokens;

/// <summary>
/// Where the live events stream is up to: <c>s{pos}</c> when every persister is at the same place (or there is
/// only one), <c>m{min}~{writer}.{pos}~...</c> when some are ahead, for example <c>s2633508</c> or
/// <c>m56~2.58~3.59</c> (writers 2 and 3 at 58 and 59, every other writer at 56).
/// </summary>
public sealed class LiveRoomStreamToken(StreamPositionVector positions) : RoomStreamToken
{
    public static LiveRoomStreamToken Start { get; } = new(StreamPositionVector.Zero);

    public StreamPositionVector Positions { get; } = positions ?? throw new ArgumentNullException(nameof(positions));

    /// <summary>
    /// Accepts only the live forms: a caller that needs a live position (a /sync <c>since</c>, a notifier
    /// wake-up) gets <see cref="TokenError.TopologicalNotAllowed"/> for a <c>t</c> token.
    /// </summary>
    /// <exception cref="InvalidTokenException">The text is not a live room stream token.</exception>
    public static new LiveRoomStreamToken Parse(string? text) =>
        TryParse(text, out var token, out var error) ? token : throw new InvalidTokenException(TokenKind.RoomStream, error);

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out LiveRoomStreamToken? token, out TokenError error)
    {
        token = null;
        error = CheckEnvelope(text);
        if (error == TokenError.None) error = ParseBody(text.AsSpan(), out token);
        return error == TokenError.None;
    }

    internal static TokenError ParseBody(ReadOnlySpan<char> text, out LiveRoomStreamToken? token)
    {
        var error = ParsePositions(text, out var positions);
        token = positions is null ? null : new LiveRoomStreamToken(positions);
        return error;
    }

    internal static TokenError ParsePositions(ReadOnlySpan<char> text, out StreamPositionVector? positions)
    {
        positions = null;
        if (!text.IsEmpty && text[0] == TopologicalMarker) return TokenError.TopologicalNotAllowed;
        return StreamPositionVector.ParseField(text, SingleMarker, out positions);
    }

    /// <summary>Everything either token has seen (see <see cref="StreamPositionVector.Max"/>).</summary>
    public static LiveRoomStreamToken Max(LiveRoomStreamToken a, LiveRoomStreamToken b)
    {
        var positions = StreamPositionVector.Max(a.Positions, b.Positions);
        return ReferenceEquals(positions, a.Positions) ? a : ReferenceEquals(positions, b.Positions) ? b : new(positions);
    }

    public bool IsBeforeOrEqual(LiveRoomStreamToken other) => Positions.IsBeforeOrEqual(other.Positions);

    public VectorOrdering CompareWith(LiveRoomStreamToken other) => Positions.CompareWith(other.Positions);

    public override bool Equals(RoomStreamToken? other) => other is LiveRoomStreamToken live && Positions.Equals(live.Positions);

    public override int GetHashCode() => Positions.GetHashCode();

    public override string ToString() => Positions.Format(SingleMarker);
}
