namespace Cluster.Shared.StateResolution;

/// <summary>
/// The spec's "auth difference": the events in some but not all of the state sets' full auth chains.
/// </summary>
/// <remarks>
/// A state set's full auth chain is taken to include the set's own events, as deployed servers (Synapse)
/// compute it. Read literally the spec leaves them out, which would put an unconflicted event into the
/// difference whenever only some state sets' events cite it; counting it lets every server agree.
/// </remarks>
internal static class AuthDifference
{
    /// <param name="sharedEvents">The events every state set holds (the unconflicted state map's values).</param>
    /// <param name="perSetEvents">For each state set, its other events (its values for the conflicted keys).</param>
    public static List<int> Compute(AuthGraph graph, IReadOnlyList<int> sharedEvents,
        IReadOnlyList<IReadOnlyList<int>> perSetEvents)
    {
        // Everything reachable from the shared events is in every chain, and so is everything reachable from
        // such an event: walking the shared part once lets the per-set walks stop there, so the cost is the
        // room's auth graph once plus the conflicted part once per state set.
        var inEveryChain = new NodeMarks(graph.Count);
        var stack = new Stack<int>();
        foreach (var index in sharedEvents) Mark(index, inEveryChain, 1, stack);
        Walk(graph, stack, inEveryChain, 1);

        var lastSetSeen = new NodeMarks(graph.Count);
        var setsSeen = new NodeMarks(graph.Count);
        var touched = new List<int>();
        for (var set = 0; set < perSetEvents.Count; set++)
        {
            var stamp = set + 1;
            foreach (var index in perSetEvents[set])
                if (inEveryChain[index] == 0 && lastSetSeen[index] != stamp) Visit(index);
            while (stack.Count > 0)
            {
                var current = stack.Pop();
                foreach (var auth in graph.AuthEventsOf(current))
                    if (inEveryChain[auth] == 0 && lastSetSeen[auth] != stamp) Visit(auth);
            }

            void Visit(int index)
            {
                lastSetSeen[index] = stamp;
                if (setsSeen[index] == 0) touched.Add(index);
                setsSeen[index] += 1;
                stack.Push(index);
            }
        }

        var difference = new List<int>();
        foreach (var index in touched)
            if (setsSeen[index] < perSetEvents.Count) difference.Add(index);
        return difference;
    }

    private static void Mark(int index, NodeMarks marks, int value, Stack<int> stack)
    {
        if (marks[index] == value) return;
        marks[index] = value;
        stack.Push(index);
    }

    private static void Walk(AuthGraph graph, Stack<int> stack, NodeMarks marks, int value)
    {
        while (stack.Count > 0)
            foreach (var auth in graph.AuthEventsOf(stack.Pop())) Mark(auth, marks, value, stack);
    }
}
