using Cluster.Shared.Events;

namespace Cluster.Shared.StateResolution;

/// <summary>Events by ID, as state resolution needs them (the caller preloads auth chains).</summary>
public interface IEventSource
{
    Pdu? Get(string eventId);
}
