using Cluster.Replication.Tokens;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.ClientReader.Messages;

/// <summary>
/// Places in a room's history (see <see cref="TopologicalPosition"/>: a position sits just after the
/// event at it) and the tokens clients see for them. One convention, shared with /sync's prev_batch:
/// the place just before event E is (E.depth, E.stream - 1), the place just after it (E.depth, E.stream).
/// Walking backwards from a place yields the events at or before it; forwards, those after it.
/// </summary>
public static class HistoryPositions
{
    /// <summary>Before every event of any room (events have depth 1 or more).</summary>
    public static TopologicalPosition Start { get; } = new(0, 0);

    /// <summary>After every event of any room: where a backwards walk with no <c>from</c> begins.</summary>
    public static TopologicalPosition End { get; } = new(long.MaxValue, long.MaxValue);

    public static TopologicalPosition At(StoredEvent e) => new(e.TopologicalOrdering, e.StreamOrdering);

    public static TopologicalPosition Before(StoredEvent e) => new(e.TopologicalOrdering, Math.Max(0, e.StreamOrdering - 1));

    /// <summary>Where a walk continues once it has passed <paramref name="e"/>.</summary>
    public static TopologicalPosition Past(StoredEvent e, PaginationDirection direction) =>
        direction == PaginationDirection.Backwards ? Before(e) : At(e);

    public static int Compare(TopologicalPosition a, TopologicalPosition b)
    {
        var byDepth = a.Depth.CompareTo(b.Depth);
        return byDepth != 0 ? byDepth : a.Stream.CompareTo(b.Stream);
    }

    public static TopologicalPosition Min(TopologicalPosition a, TopologicalPosition b) => Compare(a, b) <= 0 ? a : b;

    public static string ToToken(TopologicalPosition position) =>
        new TopologicalRoomStreamToken(position.Depth, position.Stream).ToString();
}
