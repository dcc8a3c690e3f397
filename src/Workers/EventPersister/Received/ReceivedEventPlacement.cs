using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.StateResolution;
using Cluster.Shared.Storage.Events;
using Npgsql;

namespace Cluster.Workers.EventPersister.Received;

using StateMap = IReadOnlyDictionary<(string Type, string StateKey), string>;

/// <summary>
/// Where received events sit in one room's graph, for one persist request inside its transaction:
/// the state before each event (the state after its prev event, or the resolution of its prev
/// events' states), whether the auth rules accept it there and against the current state, and
/// the current state once the forward extremities changed. Events of the request are remembered
/// as they are placed, since later ones name them and the transaction has not committed yet.
/// </summary>
internal sealed class ReceivedEventPlacement(
    NpgsqlConnection connection, NpgsqlTransaction transaction, RoomStateStore states, EventStore events, AuthChainEvents chains)
{
    private readonly Dictionary<string, Pdu> _placed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StateMap> _stateAfter = new(StringComparer.Ordinal);

    public void Remember(Pdu pdu, StateMap? stateBefore, bool accepted)
    {
        _placed[pdu.EventId] = pdu;
        if (stateBefore is null)
            return;
        if (accepted && pdu.StateKey is { } key)
            _stateAfter[pdu.EventId] = new Dictionary<(string Type, string StateKey), string>(stateBefore) { [(pdu.Type, key)] = pdu.EventId };
        else
            _stateAfter[pdu.EventId] = stateBefore;
    }

    public void RememberOutlier(Pdu pdu) => _placed[pdu.EventId] = pdu;

    /// <summary>The state before <paramref name="pdu"/>, from its prev events; null when one of them is not known with its state.</summary>
    public async Task<(StateMap? State, IReadOnlyList<string> Missing)> StateBeforeAsync(Pdu pdu, CancellationToken cancellationToken)
    {
        var sets = new List<StateMap>(pdu.PrevEventIds.Count);
        var missing = new List<string>();
        foreach (var prev in pdu.PrevEventIds.Distinct(StringComparer.Ordinal))
        {
            if (await StateAfterAsync(prev, cancellationToken) is { } set)
                sets.Add(set);
            else
                missing.Add(prev);
        }
        if (missing.Count > 0 || sets.Count == 0)
            return (null, missing);
        return (await ResolveAsync(pdu.Version, sets, cancellationToken), missing);
    }

    /// <summary>The state after an event of the room's graph (this request's or stored), or null when it has none recorded.</summary>
    public async Task<StateMap?> StateAfterAsync(string eventId, CancellationToken cancellationToken)
    {
        if (_stateAfter.TryGetValue(eventId, out var known))
            return known;
        if (_placed.ContainsKey(eventId))
            return null;
        var stored = await events.GetEventAsync(eventId, cancellationToken);
        if (stored is null || stored.Outlier)
            return null;
        var after = await states.GetStateIdsAfterEventAsync(stored, null, cancellationToken);
        if (after is not null)
            _stateAfter[eventId] = after;
        return after;
    }

    /// <summary>The resolution of several states of the room (one state is itself).</summary>
    public async Task<StateMap> ResolveAsync(Shared.RoomVersions.RoomVersion version, IReadOnlyList<StateMap> sets, CancellationToken cancellationToken)
    {
        if (sets.Count == 1 || sets.Skip(1).All(s => SameState(s, sets[0])))
            return sets[0];
        var ids = sets.SelectMany(s => s.Values).ToHashSet(StringComparer.Ordinal);
        var source = await chains.LoadAsync(connection, transaction, ids, cancellationToken);
        return StateResolver.Resolve(version, sets, source);
    }

    /// <summary>Whether the auth rules allow <paramref name="pdu"/> against <paramref name="state"/>; the reason when not.</summary>
    public async Task<string?> RefusalAgainstAsync(Pdu pdu, StateMap state, CancellationToken cancellationToken)
    {
        var keys = AuthEventSelection.Select(pdu.Version, pdu.Type, pdu.StateKey, pdu.Sender, pdu.Content).ToList();
        if (!keys.Contains((RoomEventTypes.Create, "")))
            keys.Add((RoomEventTypes.Create, ""));
        var ids = keys.Where(state.ContainsKey).ToDictionary(k => k, k => state[k]);
        var authState = new Dictionary<(string Type, string StateKey), Pdu>();
        var unknown = new List<string>();
        foreach (var (key, id) in ids)
        {
            if (_placed.TryGetValue(id, out var placed))
                authState[key] = placed;
            else
                unknown.Add(id);
        }
        if (unknown.Count > 0)
        {
            var loaded = await events.GetEventsAsync(unknown, cancellationToken);
            foreach (var (key, id) in ids)
                if (!authState.ContainsKey(key) && loaded.TryGetValue(id, out var stored))
                    authState[key] = stored.ToPdu();
        }
        var decision = EventAuth.Check(pdu, authState);
        return decision.Allowed ? null : decision.Reason ?? "refused by the auth rules";
    }

    /// <summary>The room's current state, as this transaction sees it.</summary>
    public Task<Dictionary<(string Type, string StateKey), string>> CurrentStateAsync(string roomId, CancellationToken cancellationToken) =>
        RoomEventWriter.ReadCurrentStateAsync(connection, transaction, roomId, cancellationToken);

    private static bool SameState(StateMap a, StateMap b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other == kv.Value);
}
