using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.StateResolution;

/// <summary>
/// The events one resolution touches, numbered densely as they are first loaded so the graph walks can use
/// integers and arrays instead of hashing event ID strings over and over. Lives for a single resolution: it
/// is the per-call cache of events and their auth edges.
/// </summary>
internal sealed class AuthGraph
{
    public const string CreateType = "m.room.create";
    public const string PowerLevelsType = "m.room.power_levels";

    private readonly IEventSource _source;
    private readonly Dictionary<string, int> _indexById = new(StringComparer.Ordinal);
    private readonly List<Pdu> _events = [];
    private readonly List<int[]?> _authEdges = [];
    private readonly List<int> _powerLevelsAuthEvent = [];
    private string? _roomId;

    private const int NotComputed = -2;
    public const int None = -1;

    public AuthGraph(RoomVersion version, IEventSource source)
    {
        Version = version;
        _source = source;
    }

    public RoomVersion Version { get; }

    /// <summary>How many events have been loaded so far; indices are below this.</summary>
    public int Count => _events.Count;

    public Pdu this[int index] => _events[index];

    public string IdOf(int index) => _events[index].EventId;

    public bool IsRejected(int index) => _source.IsRejected(_events[index].EventId);

    /// <summary>The index of <paramref name="eventId"/>, loading it from the source on first use.</summary>
    public int IndexOf(string eventId, string? referencedBy = null)
    {
        if (_indexById.TryGetValue(eventId, out var index)) return index;

        var pdu = _source.Get(eventId) ?? throw new MissingEventException(eventId, referencedBy);
        if (!string.Equals(pdu.EventId, eventId, StringComparison.Ordinal))
            throw new InvalidStateResolutionInputException(
                $"The event source returned {pdu.EventId} when asked for {eventId}.");
        _roomId ??= pdu.RoomId;
        if (!string.Equals(pdu.RoomId, _roomId, StringComparison.Ordinal))
            throw new InvalidStateResolutionInputException(
                $"Event {eventId} is in room {pdu.RoomId}, but the resolution is for room {_roomId}.");

        index = _events.Count;
        _events.Add(pdu);
        _authEdges.Add(null);
        _powerLevelsAuthEvent.Add(NotComputed);
        _indexById.Add(eventId, index);
        return index;
    }

    /// <summary>
    /// The distinct auth events of the event. From room version 12 the create event is an implicit auth event
    /// of every other event (its ID is the room ID with the <c>$</c> sigil), so it is part of the auth chain
    /// although <c>auth_events</c> no longer lists it.
    /// </summary>
    public int[] AuthEventsOf(int index)
    {
        if (_authEdges[index] is { } known) return known;

        var pdu = _events[index];
        var implicitCreate = ImplicitCreateEventId(pdu);
        var edges = new List<int>(pdu.AuthEventIds.Count + 1);
        foreach (var id in pdu.AuthEventIds) AddDistinct(edges, IndexOf(id, pdu.EventId));
        if (implicitCreate is not null) AddDistinct(edges, IndexOf(implicitCreate, pdu.EventId));

        var array = edges.ToArray();
        _authEdges[index] = array;
        return array;
    }

    /// <summary>The <c>m.room.power_levels</c> event among the event's auth events, or <see cref="None"/>.</summary>
    public int PowerLevelsAuthEventOf(int index)
    {
        var known = _powerLevelsAuthEvent[index];
        if (known != NotComputed) return known;
        var found = FindAuthEvent(index, PowerLevelsType);
        _powerLevelsAuthEvent[index] = found;
        return found;
    }

    /// <summary>The <c>m.room.create</c> event among the event's (possibly implicit) auth events, or <see cref="None"/>.</summary>
    public int CreateAuthEventOf(int index) => FindAuthEvent(index, CreateType);

    public bool IsStateEvent(int index, string type, string stateKey)
    {
        var pdu = _events[index];
        return string.Equals(pdu.Type, type, StringComparison.Ordinal)
            && string.Equals(pdu.StateKey, stateKey, StringComparison.Ordinal);
    }

    private int FindAuthEvent(int index, string type)
    {
        foreach (var authIndex in AuthEventsOf(index))
            if (IsStateEvent(authIndex, type, "")) return authIndex;
        return None;
    }

    private string? ImplicitCreateEventId(Pdu pdu)
    {
        if (!Version.RoomIdFromCreateEvent) return null;
        if (pdu.Type == CreateType && pdu.StateKey == "") return null;
        if (pdu.RoomId.Length < 2 || pdu.RoomId[0] != '!')
            throw new InvalidStateResolutionInputException(
                $"Event {pdu.EventId} has room ID '{pdu.RoomId}', which does not name a create event.");
        return string.Concat("$", pdu.RoomId.AsSpan(1));
    }

    private static void AddDistinct(List<int> edges, int index)
    {
        // Auth event lists are a handful long: a linear scan beats a set.
        if (!edges.Contains(index)) edges.Add(index);
    }
}
