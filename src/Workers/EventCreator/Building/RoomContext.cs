using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;

namespace Cluster.Workers.EventCreator.Building;

/// <summary>An event the next one will name in prev_events: its ID, depth and JSON (v1/v2 references carry its hash).</summary>
public sealed record PrevEvent(string EventId, long Depth, JsonObject Json);

/// <summary>
/// What building the next event of a room needs: the room's version and ID, the state it is
/// authorised against (possibly only the keys loaded for it), and the forward extremities it
/// follows. Building a batch (createRoom) applies each built event before the next.
/// </summary>
public sealed class RoomContext(RoomVersion version, string? roomId)
{
    private readonly Dictionary<(string Type, string StateKey), Pdu> _state = [];
    private readonly List<PrevEvent> _extremities = [];
    // Keys looked up and found empty, so a kept context does not ask again.
    private readonly HashSet<(string Type, string StateKey)> _absent = [];

    public RoomVersion Version { get; } = version;

    /// <summary>Null only before a v12 room's create event is built (its ID names the room).</summary>
    public string? RoomId { get; private set; } = roomId;

    public IReadOnlyDictionary<(string Type, string StateKey), Pdu> State => _state;

    public IReadOnlyList<PrevEvent> Extremities => _extremities;

    public Pdu? Get(string type, string stateKey) => _state.GetValueOrDefault((type, stateKey));

    /// <summary>The user's membership in this state, null when they have none.</summary>
    public string? MembershipOf(string userId) =>
        Get(RoomEventTypes.Member, userId)?.Content["membership"] is JsonValue value && value.TryGetValue<string>(out var m) ? m : null;

    public bool Has((string Type, string StateKey) key) => _state.ContainsKey(key);

    /// <summary>The state at <paramref name="key"/> was loaded, or looked up and found empty.</summary>
    public bool IsKnown((string Type, string StateKey) key) => _state.ContainsKey(key) || _absent.Contains(key);

    public void AddState(Pdu pdu)
    {
        if (pdu.StateKey is { } key)
        {
            _state[(pdu.Type, key)] = pdu;
            _absent.Remove((pdu.Type, key));
        }
    }

    public void AddAbsent((string Type, string StateKey) key)
    {
        if (!_state.ContainsKey(key))
            _absent.Add(key);
    }

    public void AddExtremity(PrevEvent extremity) => _extremities.Add(extremity);

    /// <summary>After building <paramref name="pdu"/> in a batch: it is the only extremity and, if state, part of the state.</summary>
    public void Apply(Pdu pdu)
    {
        RoomId ??= pdu.RoomId;
        AddState(pdu);
        _extremities.Clear();
        _extremities.Add(new PrevEvent(pdu.EventId, pdu.Depth, pdu.Json));
    }
}
