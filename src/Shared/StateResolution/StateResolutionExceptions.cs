using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.StateResolution;

/// <summary>State resolution could not run on the input it was given.</summary>
public abstract class StateResolutionException(string message) : Exception(message);

/// <summary>The room version uses a state resolution algorithm this server does not implement (room version 1).</summary>
public sealed class UnsupportedStateResolutionException(RoomVersion version)
    : StateResolutionException(
        $"Room version {version.Id} uses state resolution {version.StateResolution}, which is not supported; " +
        "only state resolution v2 (room versions 2-11) and v2.1 (room version 12) are implemented.")
{
    public RoomVersion Version { get; } = version;
}

/// <summary>An event named by a state set or an auth chain is not in the event source.</summary>
public sealed class MissingEventException(string eventId, string? referencedBy)
    : StateResolutionException(referencedBy is null
        ? $"Event {eventId} is named by a state set but is not in the event source."
        : $"Event {eventId}, an auth event of {referencedBy}, is not in the event source.")
{
    public string EventId { get; } = eventId;

    /// <summary>The event whose auth_events name the missing event; null when a state set names it.</summary>
    public string? ReferencedBy { get; } = referencedBy;
}

/// <summary>
/// The input is inconsistent: an event filed under another (type, state_key) than its own, events from
/// different rooms, or a cycle in the auth graph.
/// </summary>
public sealed class InvalidStateResolutionInputException(string message) : StateResolutionException(message);
