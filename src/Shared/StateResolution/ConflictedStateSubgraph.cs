namespace Cluster.Shared.StateResolution;

/// <summary>
/// State resolution v2.1's "conflicted state subgraph": every event on an auth_events path from one conflicted
/// state event to another, endpoints included.
/// </summary>
internal static class ConflictedStateSubgraph
{
    private const int Unvisited = 0, OnPath = 1, Done = 2;

    /// <summary>
    /// An event is on such a path when it is reachable from a conflicted event (it is in a conflicted event's
    /// auth chain) and a conflicted event is reachable from it. One depth-first walk from the conflicted
    /// events finds the first half; the second is computed on the way back up, children before parents.
    /// </summary>
    public static List<int> Compute(AuthGraph graph, IReadOnlyCollection<int> conflictedEvents)
    {
        var isConflicted = new NodeMarks(graph.Count);
        foreach (var index in conflictedEvents) isConflicted[index] = 1;

        var state = new NodeMarks(graph.Count);
        var reachesConflicted = new NodeMarks(graph.Count);
        var subgraph = new List<int>(conflictedEvents);
        var path = new Stack<(int Index, int NextEdge)>();

        foreach (var start in conflictedEvents)
        {
            if (state[start] != Unvisited) continue;
            state[start] = OnPath;
            path.Push((start, 0));
            while (path.Count > 0)
            {
                var (current, nextEdge) = path.Pop();
                var edges = graph.AuthEventsOf(current);
                if (nextEdge < edges.Length)
                {
                    path.Push((current, nextEdge + 1));
                    var auth = edges[nextEdge];
                    switch (state[auth])
                    {
                        case Unvisited:
                            state[auth] = OnPath;
                            path.Push((auth, 0));
                            break;
                        case OnPath:
                            throw new InvalidStateResolutionInputException(
                                $"The auth events of {graph.IdOf(auth)} lead back to itself.");
                        default:
                            if (isConflicted[auth] == 1 || reachesConflicted[auth] == 1) reachesConflicted[current] = 1;
                            break;
                    }
                    continue;
                }

                state[current] = Done;
                if (reachesConflicted[current] == 1 && isConflicted[current] == 0) subgraph.Add(current);
                if (path.Count > 0 && (isConflicted[current] == 1 || reachesConflicted[current] == 1))
                    reachesConflicted[path.Peek().Index] = 1;
            }
        }
        return subgraph;
    }
}
