namespace Cluster.Shared.Storage.Events;

/// <summary>
/// A position in the events stream as a vector clock, in the terms the stores query with: every
/// writer is at <see cref="Minimum"/> except those listed, which are further. A row written by
/// writer w at position p is "at or before" the bound when p &lt;= the bound's position for w.
/// (The replication library's StreamPositionVector converts to this; storage does not depend on it.)
/// </summary>
public sealed record StreamBound(long Minimum, IReadOnlyList<(int Writer, long Position)> WritersAhead)
{
    public static StreamBound At(long position) => new(position, []);

    /// <summary>The highest position of any writer: no row beyond it is included.</summary>
    public long Maximum => WritersAhead.Count == 0 ? Minimum : Math.Max(Minimum, WritersAhead.Max(w => w.Position));

    internal int[] Writers => [.. WritersAhead.Select(w => w.Writer)];

    internal long[] Positions => [.. WritersAhead.Select(w => w.Position)];

    public long PositionOf(int writer)
    {
        foreach (var (w, position) in WritersAhead)
            if (w == writer)
                return position;
        return Minimum;
    }

    public bool Covers(int writer, long position) => position <= PositionOf(writer);
}
