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
