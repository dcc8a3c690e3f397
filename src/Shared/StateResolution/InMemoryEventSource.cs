using Cluster.Shared.Events;

namespace Cluster.Shared.StateResolution;

/// <summary>An <see cref="IEventSource"/> over events already in memory, e.g. a fetched auth chain.</summary>
public sealed class InMemoryEventSource : IEventSource
{
    private readonly Dictionary<string, Pdu> _events = new(StringComparer.Ordinal);
    private readonly HashSet<string> _rejected = new(StringComparer.Ordinal);

    public InMemoryEventSource(IEnumerable<Pdu> events, IEnumerable<string>? rejectedEventIds = null)
    {
        foreach (var ev in events) _events[ev.EventId] = ev;
        if (rejectedEventIds is not null) _rejected.UnionWith(rejectedEventIds);
    }

    public int Count => _events.Count;

    public Pdu? Get(string eventId) => _events.GetValueOrDefault(eventId);

    public bool IsRejected(string eventId) => _rejected.Contains(eventId);
}
