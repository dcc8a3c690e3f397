using Cluster.Shared.Auth;
using Cluster.Shared.Events;

namespace Cluster.Shared.StateResolution;

/// <summary>
/// The spec's "iterative auth checks": apply each event in turn to the state when the authorization rules
/// allow it against that state; an event that is refused is skipped.
/// </summary>
internal static class IterativeAuthChecks
{
    private static readonly (string Type, string StateKey) CreateKey = (AuthGraph.CreateType, "");

    /// <param name="state">The state to start from; updated in place, event indices by (type, state_key).</param>
    public static void Apply(AuthGraph graph, Dictionary<(string Type, string StateKey), int> state, IEnumerable<int> events)
    {
        var authState = new Dictionary<(string Type, string StateKey), Pdu>();
        foreach (var index in events)
        {
            var ev = graph[index];
            // Only state events can change the state; the auth chains of accepted events hold nothing else.
            if (ev.StateKeyTuple is not { } key) continue;

            BuildAuthState(graph, index, state, authState);
            if (EventAuth.Check(ev, authState).Allowed) state[key] = index;
        }
    }

    /// <summary>
    /// The state the event is checked against: for each (type, state_key) the rules consult, the partially
    /// resolved state's event, or else the event's own auth event for that key; rejected events never count.
    /// </summary>
    private static void BuildAuthState(AuthGraph graph, int index, Dictionary<(string Type, string StateKey), int> state,
        Dictionary<(string Type, string StateKey), Pdu> authState)
    {
        authState.Clear();
        foreach (var auth in graph.AuthEventsOf(index))
        {
            var authEvent = graph[auth];
            if (authEvent.StateKeyTuple is { } authKey && !graph.IsRejected(auth)) authState[authKey] = authEvent;
        }

        var ev = graph[index];
        // Room version 12 no longer lists the create event among the selected auth events, yet its rules read it.
        Overlay(CreateKey);
        foreach (var key in AuthEventSelection.Select(graph.Version, ev.Type, ev.StateKey, ev.Sender, ev.Content))
            Overlay(key);

        void Overlay((string Type, string StateKey) key)
        {
            if (state.TryGetValue(key, out var current) && !graph.IsRejected(current)) authState[key] = graph[current];
        }
    }
}
