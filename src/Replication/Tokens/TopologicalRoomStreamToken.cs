using System.Globalization;

namespace Cluster.Replication.Tokens;

/// <summary>
/// A place in one room's history for /messages and /context: <c>t{depth}-{pos}</c>, for example
/// <c>t426-2633508</c>. A room's events are ordered by depth, then by stream position.
/// <para>
/// It carries a single stream position, not a vector, on purpose: exactly one persister writes a given room at a
/// time and it allocates positions in the order it persists, so within one room the stream position alone
/// orders events. The vector is only needed to say where a reader is across all rooms, which a topological
/// token never does. Ordering a topological token against a live one is likewise not offered.
/// </para>
/// </summary>
public sealed class TopologicalRoomStreamToken : RoomStreamToken, IComparable<TopologicalRoomStreamToken>
{
    private const char Separator = '-';

    public TopologicalRoomStreamToken(long depth, long stream)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        ArgumentOutOfRangeException.ThrowIfNegative(stream);
        Depth = depth;
        Stream = stream;
    }

    /// <summary>The depth (topological ordering) of the event the token sits after.</summary>
    public long Depth { get; }

    /// <summary>The stream position of that event, breaking ties between events at the same depth.</summary>
    public long Stream { get; }

    /// <summary>Reads what follows the <c>t</c>.</summary>
    internal static TokenError ParseBody(ReadOnlySpan<char> body, out TopologicalRoomStreamToken? token)
    {
        token = null;
        var reader = new TokenReader(body);
        var error = reader.ReadPosition(out var depth);
        if (error == TokenError.None) error = reader.Expect(Separator);
        long stream = 0;
        if (error == TokenError.None) error = reader.ReadPosition(out stream);
        if (error == TokenError.None) error = reader.ExpectEnd();
        if (error == TokenError.None) token = new TopologicalRoomStreamToken(depth, stream);
        return error;
    }

    /// <summary>Orders by depth, then stream position: the order /messages walks a room in.</summary>
    public int CompareTo(TopologicalRoomStreamToken? other)
    {
        if (other is null) return 1;
        var byDepth = Depth.CompareTo(other.Depth);
        return byDepth != 0 ? byDepth : Stream.CompareTo(other.Stream);
    }

    public static bool operator <(TopologicalRoomStreamToken left, TopologicalRoomStreamToken right) => left.CompareTo(right) < 0;
    public static bool operator >(TopologicalRoomStreamToken left, TopologicalRoomStreamToken right) => left.CompareTo(right) > 0;
    public static bool operator <=(TopologicalRoomStreamToken left, TopologicalRoomStreamToken right) => left.CompareTo(right) <= 0;
    public static bool operator >=(TopologicalRoomStreamToken left, TopologicalRoomStreamToken right) => left.CompareTo(right) >= 0;

    public override bool Equals(RoomStreamToken? other) =>
        other is TopologicalRoomStreamToken topological && Depth == topological.Depth && Stream == topological.Stream;

    public override int GetHashCode() => HashCode.Combine(Depth, Stream);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{TopologicalMarker}{Depth}{Separator}{Stream}");
}
