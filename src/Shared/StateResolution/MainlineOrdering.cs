namespace Cluster.Shared.StateResolution;

/// <summary>
/// Step 3 of the algorithm: the "mainline ordering" of the remaining events, based on the power_levels event
/// of the partially resolved state.
/// </summary>
internal static class MainlineOrdering
{
    /// <summary>Position of an event whose power_levels ancestry never meets the mainline (the spec's ∞).</summary>
    public const int Unrelated = int.MaxValue;

    /// <param name="powerLevelsEvent">P, the resolved power_levels event, or <see cref="AuthGraph.None"/>
    /// (then the mainline is empty and every event is <see cref="Unrelated"/>).</param>
    public static List<int> Sort(AuthGraph graph, IReadOnlyCollection<int> events, int powerLevelsEvent)
    {
        var positions = new MainlinePositions(graph, powerLevelsEvent);
        var keyed = new List<(int Position, long OriginServerTs, string EventId, int Index)>(events.Count);
        foreach (var index in events)
            keyed.Add((positions.Of(index), graph[index].OriginServerTs, graph.IdOf(index), index));

        // The greater mainline position (further back from P) comes first, then the earlier ts, then the event ID.
        keyed.Sort(static (x, y) =>
        {
            var byPosition = y.Position.CompareTo(x.Position);
            if (byPosition != 0) return byPosition;
            var byTs = x.OriginServerTs.CompareTo(y.OriginServerTs);
            return byTs != 0 ? byTs : string.CompareOrdinal(x.EventId, y.EventId);
        });

        var sorted = new List<int>(keyed.Count);
        foreach (var entry in keyed) sorted.Add(entry.Index);
        return sorted;
    }
}

/// <summary>
/// Mainline positions relative to P: P's own mainline is P, the power_levels event among P's auth events, and
/// so on; an event's position is the index i of the first power_levels ancestor e_j (j ≥ 1, the event itself
/// excluded) that is P_i on the mainline. Positions of the power_levels events walked are remembered, so
/// events sharing ancestry cost one walk between them.
/// </summary>
internal sealed class MainlinePositions
{
    private readonly AuthGraph _graph;
    private readonly Dictionary<int, int> _positionOfPowerLevels = [];

    public MainlinePositions(AuthGraph graph, int powerLevelsEvent)
    {
        _graph = graph;
        var position = 0;
        for (var p = powerLevelsEvent; p != AuthGraph.None; p = graph.PowerLevelsAuthEventOf(p))
            if (!_positionOfPowerLevels.TryAdd(p, position++))
                throw new InvalidStateResolutionInputException(
                    $"The power_levels auth events of {graph.IdOf(powerLevelsEvent)} lead back to {graph.IdOf(p)}.");
    }

    public int Of(int index)
    {
        var walked = new List<int>();
        var position = MainlineOrdering.Unrelated;
        for (var p = _graph.PowerLevelsAuthEventOf(index); p != AuthGraph.None; p = _graph.PowerLevelsAuthEventOf(p))
        {
            if (_positionOfPowerLevels.TryGetValue(p, out var known)) { position = known; break; }
            if (walked.Count > _graph.Count)
                throw new InvalidStateResolutionInputException(
                    $"The power_levels auth events above {_graph.IdOf(index)} form a cycle.");
            walked.Add(p);
        }

        // Every power_levels event walked reaches the mainline (or not) through the same ancestors.
        foreach (var p in walked) _positionOfPowerLevels[p] = position;
        return position;
    }
}
