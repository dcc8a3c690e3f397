using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.EventPersister;

/// <summary>
/// The seam between event creators and the persister that owns a room: creators build, sign and
/// auth-check events, then hand them here. In one process this is <see cref="LocalEventPersistence"/>;
/// in the worker cluster <see cref="RemoteEventPersistence"/> calls the room's shard over internal
/// HTTP (<see cref="PersistEndpoint"/>), which is why everything in a request is plain data (event
/// JSON bytes, not parsed objects).
/// </summary>
public interface IEventPersistence
{
    /// <summary>
    /// Persists <paramref name="request"/>'s events, in order and atomically: all of them or none.
    /// </summary>
    /// <exception cref="RoomMovedOnException">The events were not built on the room's current forward
    /// extremities (another event got in first); rebuild them and try again.</exception>
    /// <exception cref="DuplicateTransactionException">An event carries a client transaction ID that
    /// already produced an event; nothing was persisted.</exception>
    /// <exception cref="Cluster.Shared.Http.MatrixException">503: the room's persister could not be
    /// reached or failed (the events may or may not be stored; a retry with the same transaction ID is safe).</exception>
    Task<PersistResult> PersistAsync(PersistRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Persists events received from other servers, in order and atomically: outliers as they
    /// are; the others placed in the room's graph, checked against the state before them
    /// (rejected when they fail) and against the current state (soft-failed when they fail
    /// there only). Events already stored are left as they are.
    /// </summary>
    /// <exception cref="MissingPrevStateException">An event's prev events are not all stored with their
    /// state and the request does not give the state before it; fetch it and try again.</exception>
    Task<ReceivedPersistResult> PersistReceivedAsync(ReceivedPersistRequest request, CancellationToken cancellationToken);
}

/// <summary>Events of one room received from other servers, in an order where each event's prev and auth events come first.</summary>
public sealed record ReceivedPersistRequest(string RoomId, string RoomVersion, IReadOnlyList<ReceivedEvent> Events);

/// <summary>
/// One received event (its ID and canonical JSON as verified by the caller), and what the caller
/// knows of it: held as an outlier; already rejected (its auth events refuse it); or the state
/// before it, as another server gave it (a join's state, or a gap's), as (type, state_key, event ID).
/// <see cref="MembershipOutsideRoom"/>: an outlier membership of a local user in a room this server is
/// not in (an invite from another server, a knock or a leave made through one), which still stands as
/// that user's membership (their /sync lists it); the room's row is created from the request's room
/// version when the room is unknown.
/// </summary>
public sealed record ReceivedEvent(
    string EventId,
    byte[] CanonicalJson,
    bool Outlier = false,
    string? RejectionReason = null,
    IReadOnlyList<StateEntry>? StateBefore = null,
    bool MembershipOutsideRoom = false,
    // The server whose user's membership event this is, when it handed it over for this server to
    // send on to the room's other servers (send_join, send_leave, send_knock).
    string? SendOnBehalfOf = null,
    // This server's user's own join, made through the resident server it came back from: that
    // server sends it on, so this server's federation sender does not.
    bool SentByResident = false);

/// <summary>What became of a received event.</summary>
public enum ReceivedEventStatus
{
    Accepted,
    Rejected,
    SoftFailed,
    Outlier,
    /// <summary>Stored before; nothing was written.</summary>
    AlreadyKnown,
}

public sealed record ReceivedEventOutcome(string EventId, ReceivedEventStatus Status, long StreamOrdering, int WriterId, string? Reason = null);

public sealed record ReceivedPersistResult(IReadOnlyList<ReceivedEventOutcome> Events);

/// <summary>A received event's prev events are not all known with the state at them, and no state before it was given.</summary>
public sealed class MissingPrevStateException(string eventId, IReadOnlyList<string> missing)
    : Exception($"The state before {eventId} is unknown: prev event(s) {string.Join(", ", missing)} are not stored with their state.")
{
    public string EventId { get; } = eventId;
    public IReadOnlyList<string> Missing { get; } = missing;
}

/// <summary>Events of one room, each built on the one before it; the first on the room's extremities (or a create event).</summary>
public sealed record PersistRequest(string RoomId, string RoomVersion, IReadOnlyList<EventToPersist> Events);

/// <summary>One event: its ID and canonical JSON as signed, plus what the persister records beside it.</summary>
public sealed record EventToPersist(
    string EventId,
    byte[] CanonicalJson,
    ClientTransaction? Transaction = null,
    string? AppliesRedactionOf = null,
    bool IsPublicRoom = false);

/// <summary>Where a persisted event sits in the events stream: <see cref="StreamOrdering"/> written by writer <see cref="WriterId"/>.</summary>
public sealed record PersistedEvent(string EventId, long StreamOrdering, int WriterId);

public sealed record PersistResult(IReadOnlyList<PersistedEvent> Events);

/// <summary>The room's forward extremities changed since the events were built (or the room is not in the expected state).</summary>
public sealed class RoomMovedOnException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An event's client transaction ID was used before; the earlier event stands.</summary>
public sealed class DuplicateTransactionException(ClientTransaction transaction)
    : Exception($"Transaction {transaction.TxnId} of {transaction.UserId} ({transaction.DeviceId}) was already used")
{
    public ClientTransaction Transaction { get; } = transaction;
}

/// <summary>In a worker cluster: the room belongs to another persister's shard, so this one must not write it.</summary>
public sealed class RoomNotOwnedException(string roomId, string owner)
    : Exception($"Room {roomId} belongs to event persister {owner}.")
{
    public string Owner { get; } = owner;
}
