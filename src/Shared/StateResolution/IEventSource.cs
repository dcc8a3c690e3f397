using Cluster.Shared.Events;

namespace Cluster.Shared.StateResolution;

/// <summary>Events by ID, as state resolution needs them (the caller preloads auth chains).</summary>
public interface IEventSource
{
    Pdu? Get(string eventId);

    /// <summary>
    /// Whether the event was rejected. Rejected events are never used as auth events during the iterative
    /// auth checks (spec: "Rejected auth events are deliberately excluded"); sources that do not track
    /// rejection keep the default.
    /// </summary>
    bool IsRejected(string eventId) => false;
}
