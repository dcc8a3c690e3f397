namespace Cluster.Shared.StateResolution;

/// <summary>
/// Step 1 of the algorithm: the power events of the full conflicted set with their auth ancestors in that set,
/// in the "reverse topological power ordering" (auth events before the events they authorise; among the events
/// free to go next, the sender with the greater power level first, then the smaller origin_server_ts, then the
/// smaller event ID).
/// </summary>
internal static class ReverseTopologicalPowerOrdering
{
    /// <remarks>
    /// The auth ancestors are found by following auth_events edges while they stay inside the full conflicted
    /// set, and those edges order the sort, as Synapse and ruma do. Kahn's algorithm with a priority queue makes
    /// this O(n log n) for n events.
    /// </remarks>
    public static List<int> Sort(AuthGraph graph, IEnumerable<int> powerEvents, IReadOnlySet<int> fullConflictedSet,
        SenderPowerLevels powerLevels)
    {
        // Collect the nodes and, per node, how many of its auth events are in the graph and who cites it.
        var pendingAuthEvents = new Dictionary<int, int>();
        var citedBy = new Dictionary<int, List<int>>();
        var toVisit = new Stack<int>();
        foreach (var index in powerEvents)
            if (pendingAuthEvents.TryAdd(index, 0)) toVisit.Push(index);
        while (toVisit.Count > 0)
        {
            var current = toVisit.Pop();
            var count = 0;
            foreach (var auth in graph.AuthEventsOf(current))
            {
                if (!fullConflictedSet.Contains(auth)) continue;
                count++;
                if (!citedBy.TryGetValue(auth, out var citers)) citedBy[auth] = citers = [];
                citers.Add(current);
                if (pendingAuthEvents.TryAdd(auth, 0)) toVisit.Push(auth);
            }
            pendingAuthEvents[current] = count;
        }

        var ready = new PriorityQueue<int, PowerOrderKey>(PowerOrderKey.Comparer);
        foreach (var (index, count) in pendingAuthEvents)
            if (count == 0) ready.Enqueue(index, KeyOf(index));

        var sorted = new List<int>(pendingAuthEvents.Count);
        while (ready.TryDequeue(out var next, out _))
        {
            sorted.Add(next);
            if (!citedBy.TryGetValue(next, out var citers)) continue;
            foreach (var citer in citers)
            {
                var remaining = pendingAuthEvents[citer] - 1;
                pendingAuthEvents[citer] = remaining;
                if (remaining == 0) ready.Enqueue(citer, KeyOf(citer));
            }
        }

        if (sorted.Count != pendingAuthEvents.Count)
            throw new InvalidStateResolutionInputException("The auth events of the conflicted power events form a cycle.");
        return sorted;

        PowerOrderKey KeyOf(int index) =>
            new(powerLevels.Of(index), graph[index].OriginServerTs, graph.IdOf(index));
    }

    private readonly record struct PowerOrderKey(long SenderPowerLevel, long OriginServerTs, string EventId)
    {
        public static readonly IComparer<PowerOrderKey> Comparer = Comparer<PowerOrderKey>.Create(Compare);

        private static int Compare(PowerOrderKey x, PowerOrderKey y)
        {
            var byPower = y.SenderPowerLevel.CompareTo(x.SenderPowerLevel); // greater power first
            if (byPower != 0) return byPower;
            var byTs = x.OriginServerTs.CompareTo(y.OriginServerTs);
            return byTs != 0 ? byTs : string.CompareOrdinal(x.EventId, y.EventId);
        }
    }
}
