using Cluster.Shared.Auth;
using Cluster.Shared.Events;
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
/// <see cref="MatrixException"/> to refuse. <see cref="Exchange"/>, when given, takes the built and
/// authorised event to another server first and returns the copy to persist (an invite of another
/// server's user, which that server signs too); unlike the rest, it runs outside the room's lock.
/// </summary>
public sealed record SendRequest(
    string RoomId,
    IReadOnlyCollection<(string Type, string StateKey)> StateKeys,
    Func<RoomContext, EventPlan> Plan,
    ClientTransaction? Transaction = null,
    Func<RoomContext, BuiltEvent, CancellationToken, Task<BuiltEvent>>? Exchange = null);

/// <summary>The event a request produced or found: <see cref="Persisted"/> is null when nothing new was persisted.</summary>
public sealed record SentEvent(string EventId, PersistedEvent? Persisted);

/// <summary>
/// The event creator's pipeline for existing rooms: under a per-room lock (so this process never
/// forks a room), take the room's state (its kept snapshot, see <see cref="RoomSnapshots"/>), plan,
/// build, sign, auth-check against that state and hand the event to the room's persister. A
/// persister that finds the room moved on (another creator or a remote server got in first, so the
/// snapshot was stale) makes it load the room afresh and rebuild.
/// </summary>
public sealed class RoomEventSender(
    RoomContextLoader loader, RoomSnapshots snapshots, EventBuilder builder, IEventPersistence persistence,
    TransactionIdStore transactions, ILogger<RoomEventSender> logger)
{
    private const int MaxAttempts = 5;

    private readonly KeyedAsyncLock _rooms = new();

    public async Task<SentEvent> SendAsync(SendRequest request, CancellationToken cancellationToken)
    {
        if (request.Exchange is not null)
            return await SendExchangedAsync(request, cancellationToken);
        using var held = await _rooms.AcquireAsync(request.RoomId, cancellationToken);
        // A retried transaction ID is not looked up first (that would cost every send a round trip):
        // the persister's unique index refuses the repeat, and a retry refused before that (its
        // sender has left the room since, say) looks for the first event before answering.
        for (var attempt = 1; ; attempt++)
        {
            Prepared prepared;
            try
            {
                prepared = await PrepareAsync(request, cancellationToken);
            }
            catch (MatrixException) when (request.Transaction is not null)
            {
                if (await transactions.FindEventAsync(request.Transaction, cancellationToken) is { } earlier)
                    return new SentEvent(earlier, null);
                throw;
            }
            if (prepared.Built is not { } built)
                return new SentEvent(prepared.Plan.ExistingEventId!, null);

            try
            {
                return await PersistAsync(request, prepared, built, cancellationToken);
            }
            catch (RoomMovedOnException e) when (attempt < MaxAttempts)
            {
                snapshots.Forget(request.RoomId);
                logger.LogInformation("Rebuilding an event for {RoomId} (attempt {Attempt}): {Reason}", request.RoomId, attempt, e.Message);
            }
            catch (RoomMovedOnException e)
            {
                snapshots.Forget(request.RoomId);
                logger.LogWarning(e, "Gave up on an event for {RoomId} after {Attempts} attempts", request.RoomId, attempt);
                throw new MatrixException(StatusCodes.Status503ServiceUnavailable, ErrCodes.Unknown,
                    "The room changed too often while the event was being built; try again.");
            }
            catch (DuplicateTransactionException e)
            {
                var first = await transactions.FindEventAsync(e.Transaction, cancellationToken)
                    ?? throw new InvalidOperationException("A duplicate transaction ID names no event.", e);
                return new SentEvent(first, null);
            }
            catch
            {
                // Whether the event got in is unknown (the persister was unreachable, say).
                snapshots.Forget(request.RoomId);
                throw;
            }
        }
    }

    /// <summary>
    /// An event another server countersigns before it is persisted (an invite of its user). It is
    /// built and checked under the room's lock, but exchanged without it: that server may take up
    /// to the federation timeout, and the room's other senders must not wait on it. If the room
    /// moved on meanwhile, the countersigned event cannot be rebuilt without asking again, so it
    /// joins the graph where it was built, as a received event does (checked against the state
    /// before it and the current state; the next event merges the fork).
    /// </summary>
    private async Task<SentEvent> SendExchangedAsync(SendRequest request, CancellationToken cancellationToken)
    {
        Prepared prepared;
        using (await _rooms.AcquireAsync(request.RoomId, cancellationToken))
            prepared = await PrepareAsync(request, cancellationToken);
        if (prepared.Built is not { } built)
            return new SentEvent(prepared.Plan.ExistingEventId!, null);
        built = await request.Exchange!(prepared.Room, built, cancellationToken);

        using var held = await _rooms.AcquireAsync(request.RoomId, cancellationToken);
        try
        {
            return await PersistAsync(request, prepared, built, cancellationToken);
        }
        catch (RoomMovedOnException)
        {
            snapshots.Forget(request.RoomId);
        }
        catch
        {
            snapshots.Forget(request.RoomId);
            throw;
        }

        var outcome = (await persistence.PersistReceivedAsync(new ReceivedPersistRequest(request.RoomId, prepared.Room.Version.Id,
            [new ReceivedEvent(built.EventId, built.CanonicalJson)]), cancellationToken)).Events[0];
        logger.LogInformation("{EventId} in {RoomId}, exchanged while the room moved on, placed where it was built: {Status}",
            built.EventId, request.RoomId, outcome.Status);
        return outcome.Status switch
        {
            ReceivedEventStatus.Accepted => new SentEvent(built.EventId, new PersistedEvent(built.EventId, outcome.StreamOrdering, outcome.WriterId)),
            ReceivedEventStatus.AlreadyKnown => new SentEvent(built.EventId, null),
            _ => throw MatrixException.Forbidden(
                $"The room changed while another server countersigned the event, and no longer allows it: {outcome.Reason ?? outcome.Status.ToString()}."),
        };
    }

    /// <summary>The room's state, the request's plan for it and, unless the plan names an existing event, the event built, signed and auth-checked.</summary>
    private sealed record Prepared(RoomContext Room, EventPlan Plan, BuiltEvent? Built);

    private async Task<Prepared> PrepareAsync(SendRequest request, CancellationToken cancellationToken)
    {
        var room = await loader.LoadAsync(request.RoomId, request.StateKeys, cancellationToken)
            ?? throw MatrixException.Forbidden($"You are not in room {request.RoomId}.");
        var plan = request.Plan(room);
        if (plan.ExistingEventId is not null)
            return new Prepared(room, plan, null);
        var draft = plan.Draft ?? throw new InvalidOperationException("A plan either sends a draft or names an existing event.");
        await loader.LoadMoreAsync(room,
            AuthEventSelection.Select(room.Version, draft.Type, draft.StateKey, draft.Sender, draft.Content), cancellationToken);

        var built = await builder.BuildAsync(room, draft, cancellationToken);
        var decision = EventAuth.Check(built.Pdu, room.State);
        if (!decision.Allowed)
            throw MatrixException.Forbidden($"The event is not allowed: {decision.Reason}.");
        return new Prepared(room, plan, built);
    }

    /// <summary>Hands the event to the room's persister; on success the kept snapshot follows it.</summary>
    private async Task<SentEvent> PersistAsync(SendRequest request, Prepared prepared, BuiltEvent built, CancellationToken cancellationToken)
    {
        var result = await persistence.PersistAsync(new PersistRequest(request.RoomId, prepared.Room.Version.Id,
            [new EventToPersist(built.EventId, built.CanonicalJson, request.Transaction, prepared.Plan.AppliesRedactionOf)]),
            cancellationToken);
        Remember(prepared.Room, built);
        return new SentEvent(built.EventId, result.Events[0]);
    }

    // The room now follows the event; a redaction may have stripped state the snapshot holds whole.
    private void Remember(RoomContext room, BuiltEvent built)
    {
        if (built.Pdu.Type == RoomEventTypes.Redaction)
            snapshots.Forget(built.Pdu.RoomId);
        else
            room.Apply(built.Pdu);
    }
}
