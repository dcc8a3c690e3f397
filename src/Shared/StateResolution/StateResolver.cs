using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.StateResolution;

/// <summary>
/// Resolves several states of a room into one (spec: room version 2 "State resolution", and its v2.1 changes in
/// room version 12).
/// </summary>
public static class StateResolver
{
    private static readonly (string Type, string StateKey) PowerLevelsKey = (AuthGraph.PowerLevelsType, "");

    /// <summary>
    /// The resolution of <paramref name="stateSets"/>, each a map from (type, state_key) to event ID.
    /// <paramref name="events"/> must hold every event the state sets name and their whole auth chains.
    /// </summary>
    /// <exception cref="UnsupportedStateResolutionException">The room version uses state resolution v1.</exception>
    /// <exception cref="MissingEventException">An event named by a state set or an auth chain is not in the source.</exception>
    /// <exception cref="InvalidStateResolutionInputException">Events from several rooms, an event filed under another
    /// (type, state_key) than its own, or an auth cycle.</exception>
    public static IReadOnlyDictionary<(string Type, string StateKey), string> Resolve(RoomVersion version,
        IReadOnlyList<IReadOnlyDictionary<(string Type, string StateKey), string>> stateSets, IEventSource events)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(stateSets);
        ArgumentNullException.ThrowIfNull(events);
        if (version.StateResolution is not (StateResolutionAlgorithm.V2 or StateResolutionAlgorithm.V2_1))
            throw new UnsupportedStateResolutionException(version);

        var split = StateSetSplit.Of(stateSets);
        // With nothing conflicted every state set is the same map, so the auth difference is empty too.
        if (split.Conflicted.Count == 0) return split.Unconflicted;

        var graph = new AuthGraph(version, events);
        var unconflicted = IndicesOf(graph, split.Unconflicted);
        var conflictedPerSet = new List<IReadOnlyList<int>>(stateSets.Count);
        var conflicted = new HashSet<int>();
        foreach (var set in stateSets)
        {
            var ofThisSet = new List<int>();
            foreach (var (key, eventId) in set)
            {
                if (!split.Conflicted.ContainsKey(key)) continue;
                var index = IndexOfStateEntry(graph, key, eventId);
                ofThisSet.Add(index);
                conflicted.Add(index);
            }
            conflictedPerSet.Add(ofThisSet);
        }

        var fullConflictedSet = new HashSet<int>(conflicted);
        fullConflictedSet.UnionWith(AuthDifference.Compute(graph, [.. unconflicted.Values], conflictedPerSet));
        if (version.StateResolution == StateResolutionAlgorithm.V2_1)
            fullConflictedSet.UnionWith(ConflictedStateSubgraph.Compute(graph, conflicted));

        // Steps 1 and 2: the power events and their conflicted auth ancestors, replayed in power order. v2 replays
        // them over the unconflicted state; v2.1 over an empty state, so that each event is checked against its
        // own auth chain rather than a state the forks merely happen to share.
        var powerEvents = fullConflictedSet.Where(index => PowerEvents.IsPowerEvent(graph[index]));
        var sortedPowerEvents = ReverseTopologicalPowerOrdering.Sort(graph, powerEvents, fullConflictedSet,
            new SenderPowerLevels(graph));
        var resolved = version.StateResolution == StateResolutionAlgorithm.V2_1
            ? new Dictionary<(string Type, string StateKey), int>()
            : new Dictionary<(string Type, string StateKey), int>(unconflicted);
        IterativeAuthChecks.Apply(graph, resolved, sortedPowerEvents);

        // Steps 3 and 4: everything else, in mainline order of the power levels just resolved.
        var remaining = new HashSet<int>(fullConflictedSet);
        remaining.ExceptWith(sortedPowerEvents);
        var powerLevels = resolved.TryGetValue(PowerLevelsKey, out var pl) ? pl : AuthGraph.None;
        IterativeAuthChecks.Apply(graph, resolved, MainlineOrdering.Sort(graph, remaining, powerLevels));

        // Step 5: the unconflicted state map wins wherever it has the key.
        var result = new Dictionary<(string Type, string StateKey), string>(resolved.Count + split.Unconflicted.Count);
        foreach (var (key, index) in resolved) result[key] = graph.IdOf(index);
        foreach (var (key, eventId) in split.Unconflicted) result[key] = eventId;
        return result;
    }

    private static Dictionary<(string Type, string StateKey), int> IndicesOf(AuthGraph graph,
        Dictionary<(string Type, string StateKey), string> state)
    {
        var indices = new Dictionary<(string Type, string StateKey), int>(state.Count);
        foreach (var (key, eventId) in state) indices[key] = IndexOfStateEntry(graph, key, eventId);
        return indices;
    }

    private static int IndexOfStateEntry(AuthGraph graph, (string Type, string StateKey) key, string eventId)
    {
        var index = graph.IndexOf(eventId);
        if (!graph.IsStateEvent(index, key.Type, key.StateKey))
            throw new InvalidStateResolutionInputException(
                $"Event {eventId} is filed under ({key.Type}, '{key.StateKey}') but is {graph[index]}.");
        return index;
    }
}
