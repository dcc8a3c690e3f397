namespace Cluster.Shared.StateResolution;

/// <summary>
/// The spec's "unconflicted state map and conflicted state set": a (type, state_key) is unconflicted when every
/// state set maps it to the same event; otherwise every event any state set maps it to is conflicted
/// (a key missing from some state set is therefore conflicted too).
/// </summary>
internal sealed class StateSetSplit
{
    private StateSetSplit(Dictionary<(string Type, string StateKey), string> unconflicted,
        Dictionary<(string Type, string StateKey), List<string>> conflicted)
    {
        Unconflicted = unconflicted;
        Conflicted = conflicted;
    }

    public Dictionary<(string Type, string StateKey), string> Unconflicted { get; }

    /// <summary>Conflicted keys with their distinct candidate events.</summary>
    public Dictionary<(string Type, string StateKey), List<string>> Conflicted { get; }

    public static StateSetSplit Of(IReadOnlyList<IReadOnlyDictionary<(string Type, string StateKey), string>> stateSets)
    {
        var unconflicted = new Dictionary<(string Type, string StateKey), string>();
        var conflicted = new Dictionary<(string Type, string StateKey), List<string>>();
        if (stateSets.Count == 0) return new StateSetSplit(unconflicted, conflicted);

        var keys = new HashSet<(string Type, string StateKey)>();
        foreach (var set in stateSets) keys.UnionWith(set.Keys);

        foreach (var key in keys)
        {
            string? agreed = null;
            var isConflicted = false;
            foreach (var set in stateSets)
            {
                if (!set.TryGetValue(key, out var eventId)) { isConflicted = true; continue; }
                if (agreed is null) agreed = eventId;
                else if (!string.Equals(agreed, eventId, StringComparison.Ordinal)) isConflicted = true;
            }

            if (!isConflicted) { unconflicted[key] = agreed!; continue; }

            var candidates = new List<string>(stateSets.Count);
            foreach (var set in stateSets)
                if (set.TryGetValue(key, out var eventId) && !candidates.Contains(eventId, StringComparer.Ordinal))
                    candidates.Add(eventId);
            conflicted[key] = candidates;
        }
        return new StateSetSplit(unconflicted, conflicted);
    }
}
