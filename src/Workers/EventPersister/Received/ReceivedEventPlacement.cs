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
/// as they are placed, since later ones name them and the transaction has not committed yet; so
/// are the current state (read once, then kept in step with what the transaction writes), the
/// state groups given to the events placed, and the auth events read, so that a request of many
/// events reads each of them once.
/// </summary>
internal sealed class ReceivedEventPlacement(
    NpgsqlConnection connection, NpgsqlTransaction transaction, RoomStateStore states, EventStore events, AuthChainEvents chains)
{
    private readonly Dictionary<string, Pdu> _placed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StateMap> _stateAfter = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long StateGroup, int ChainLength, bool Accepted)> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Pdu> _authEvents = new(StringComparer.Ordinal);
    private Dictionary<(string Type, string StateKey), string>? _current;

    public void Remember(Pdu pdu, StateMap? stateBefore, bool accepted, ReceivedEventWriteOutcome written)
    {
        _placed[pdu.EventId] = pdu;
        _groups[pdu.EventId] = (written.StateGroupBefore, written.DeltaChainLength, accepted);
        if (stateBefore is null)
            return;
        if (accepted && pdu.StateKey is { } key)
            _stateAfter[pdu.EventId] = new Dictionary<(string Type, string StateKey), string>(stateBefore) { [(pdu.Type, key)] = pdu.EventId };
        else
            _stateAfter[pdu.EventId] = stateBefore;
    }

    public void RememberOutlier(Pdu pdu) => _placed[pdu.EventId] = pdu;

    /// <summary>
    /// The state after <paramref name="pdu"/>'s only prev event when this request placed it (what
    /// <see cref="RoomEventWriter.WriteReceivedAsync"/> would otherwise read); null otherwise.
    /// </summary>
    public async Task<PrevEventState?> PrevStateAsync(Pdu pdu, CancellationToken cancellationToken)
    {
        if (pdu.PrevEventIds.Count != 1 || !_groups.TryGetValue(pdu.PrevEventIds[0], out var group))
            return null;
        var prev = _placed[pdu.PrevEventIds[0]];
        var current = await CurrentStateAsync(pdu.RoomId, cancellationToken);
        return new PrevEventState(pdu.EventId, prev.EventId, group.StateGroup, group.ChainLength,
            group.Accepted && prev.StateKey is { } prevKey ? (prev.Type, prevKey) : null,
            pdu.StateKey is { } key ? current.GetValueOrDefault((pdu.Type, key)) : null);
    }

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
            if (_placed.TryGetValue(id, out var placed) || _authEvents.TryGetValue(id, out placed))
                authState[key] = placed;
            else
                unknown.Add(id);
        }
        if (unknown.Count > 0)
        {
            var loaded = await events.GetEventsAsync(unknown, cancellationToken);
            foreach (var (key, id) in ids)
                if (!authState.ContainsKey(key) && loaded.TryGetValue(id, out var stored))
                    authState[key] = _authEvents[id] = stored.ToPdu();
        }
        var decision = EventAuth.Check(pdu, authState);
        return decision.Allowed ? null : decision.Reason ?? "refused by the auth rules";
    }

    /// <summary>The room's current state, as this transaction sees it (read once; not to be changed by the caller).</summary>
    public async Task<IReadOnlyDictionary<(string Type, string StateKey), string>> CurrentStateAsync(string roomId, CancellationToken cancellationToken) =>
        _current ??= await RoomEventWriter.ReadCurrentStateAsync(connection, transaction, roomId, cancellationToken);

    /// <summary>The transaction set one key of the current state (<see cref="RoomEventWriter.SetCurrentStateAsync"/>).</summary>
    public void CurrentStateSet(Pdu pdu)
    {
        if (_current is not null && pdu.StateKey is { } key)
            _current[(pdu.Type, key)] = pdu.EventId;
    }

    /// <summary>The transaction rewrote the current state otherwise: read it again when next asked.</summary>
    public void CurrentStateChanged() => _current = null;

    private static bool SameState(StateMap a, StateMap b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other == kv.Value);
}
