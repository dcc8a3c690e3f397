using Cluster.Shared.Auth;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;
using Cluster.Shared.Threading;
using Cluster.Workers.EventCreator.Building;
using Cluster.Workers.EventPersister;

namespace Cluster.Workers.EventCreator.Sending;

/// <summary>What to do about a request, decided against the room's current state under the room's lock.</summary>
public sealed record EventPlan(EventDraft? Draft, string? ExistingEventId, string? AppliesRedactionOf)
{
    public static EventPlan Send(EventDraft draft, string? appliesRedactionOf = null) => new(draft, null, appliesRedactionOf);

    /// <summary>The request's effect is already in the room (say, inviting someone already invited): no new event.</summary>
    public static EventPlan AlreadyDone(string eventId) => new(null, eventId, null);
}

/// <summary>
/// A request to add one event to an existing room. <see cref="Plan"/> sees the room's state
/// (the auth essentials plus <see cref="StateKeys"/>) and returns the event to send, or throws a
/// <see cref="MatrixException"/> to refuse.
/// </summary>
public sealed record SendRequest(
    string RoomId,
    IReadOnlyCollection<(string Type, string StateKey)> StateKeys,
    Func<RoomContext, EventPlan> Plan,
    ClientTransaction? Transaction = null);

/// <summary>The event a request produced or found: <see cref="Persisted"/> is null when nothing new was persisted.</summary>
public sealed record SentEvent(string EventId, PersistedEvent? Persisted);

/// <summary>
/// The event creator's pipeline for existing rooms: under a per-room lock (so this process never
/// forks a room), load the state, plan, build, sign, auth-check against the current state and hand
/// the event to the room's persister. A persister that finds the room moved on (another creator
/// got in first) makes it rebuild.
/// </summary>
public sealed class RoomEventSender(
    RoomContextLoader loader, EventBuilder builder, IEventPersistence persistence, TransactionIdStore transactions,
    ILogger<RoomEventSender> logger)
{
    private const int MaxAttempts = 5;

    private readonly KeyedAsyncLock _rooms = new();

    public async Task<SentEvent> SendAsync(SendRequest request, CancellationToken cancellationToken)
    {
        using var held = await _rooms.AcquireAsync(request.RoomId, cancellationToken);
        // Checked under the lock: a retried request waits for the first one to finish, then finds it.
        if (request.Transaction is { } txn && await transactions.FindEventAsync(txn, cancellationToken) is { } earlier)
            return new SentEvent(earlier, null);

        for (var attempt = 1; ; attempt++)
        {
            var room = await loader.LoadAsync(request.RoomId, request.StateKeys, cancellationToken)
                ?? throw MatrixException.Forbidden($"You are not in room {request.RoomId}.");
            var plan = request.Plan(room);
            if (plan.ExistingEventId is { } existing)
                return new SentEvent(existing, null);
            var draft = plan.Draft ?? throw new InvalidOperationException("A plan either sends a draft or names an existing event.");
            await loader.LoadMoreAsync(room,
                AuthEventSelection.Select(room.Version, draft.Type, draft.StateKey, draft.Sender, draft.Content), cancellationToken);

            var built = await builder.BuildAsync(room, draft, cancellationToken);
            var decision = EventAuth.Check(built.Pdu, room.State);
            if (!decision.Allowed)
                throw MatrixException.Forbidden($"The event is not allowed: {decision.Reason}.");

            try
            {
                var result = await persistence.PersistAsync(new PersistRequest(request.RoomId, room.Version.Id,
                    [new EventToPersist(built.EventId, built.CanonicalJson, request.Transaction, plan.AppliesRedactionOf)]),
                    cancellationToken);
                return new SentEvent(built.EventId, result.Events[0]);
            }
            catch (RoomMovedOnException e) when (attempt < MaxAttempts)
            {
                logger.LogInformation("Rebuilding an event for {RoomId} (attempt {Attempt}): {Reason}", request.RoomId, attempt, e.Message);
            }
            catch (DuplicateTransactionException e)
            {
                var first = await transactions.FindEventAsync(e.Transaction, cancellationToken)
                    ?? throw new InvalidOperationException("A duplicate transaction ID names no event.", e);
                return new SentEvent(first, null);
            }
        }
    }
}
