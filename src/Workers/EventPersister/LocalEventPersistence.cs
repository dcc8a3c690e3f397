using System.Diagnostics;
using System.Text.Json.Nodes;
using Cluster.Replication.Hosting;
using Cluster.Replication.Streams;
using Cluster.Replication.Streams.Events;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Storage.Events;
using Cluster.Shared.Threading;
using Cluster.Workers.Host;
using Npgsql;

namespace Cluster.Workers.EventPersister;

/// <summary>
/// Persists events in this process: per room one batch at a time; per batch one transaction over
/// every table (event rows, graph, state, memberships) at positions allocated from this
/// instance's events stream writer, which announces them once committed. In a worker cluster it
/// writes only the rooms of this instance's shard.
/// </summary>
public sealed class LocalEventPersistence(
    NpgsqlDataSource dataSource, StreamHost<EventStreamRow> eventsStream, RoomEventWriter writer, EventStore events, TransactionIdStore transactions,
    ClusterContext cluster,
    ILogger<LocalEventPersistence> logger) : IEventPersistence
{
    private const string TransactionConstraint = "event_transaction_ids_request";

    private readonly KeyedAsyncLock _rooms = new();

    public async Task<PersistResult> PersistAsync(PersistRequest request, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(request.Events.Count);
        // Two writers of one room would fork it: whoever asks, only the shard's owner writes.
        if (cluster.RemotePersisterOf(request.RoomId) is { } owner)
            throw new RoomNotOwnedException(request.RoomId, owner.Name);
        using var measurement = PersistMetrics.Start(request);
        if (!RoomVersions.TryGet(request.RoomVersion, out var version))
            throw new ArgumentException($"Unknown room version '{request.RoomVersion}'.", nameof(request));
        var pdus = request.Events.Select(e => Parse(e, version, request.RoomId)).ToArray();
        var started = Stopwatch.GetTimestamp();
        ForgetRedactedTargets(request);
        var outcomes = new EventWriteOutcome[pdus.Length];

        using var held = await _rooms.AcquireAsync(request.RoomId, cancellationToken);
        var creating = pdus[0].Type == RoomEventTypes.Create && pdus[0].StateKey == "";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One round trip takes the stream positions, locks the room, reads its extremities and
        // the state the first event follows.
        await using var locking = new NpgsqlBatch(connection, transaction);
        writer.AddLockRoom(locking, request.RoomId, pdus[0]);
        var (allocation, lockResults) = await eventsStream.Writer.AllocateWithBatchAsync(pdus.Length, locking, cancellationToken);
        using var allocated = allocation;
        var rows = allocation.Rows(
            [.. pdus.Select(p => new EventStreamRow(p.EventId, p.RoomId, p.Type, p.StateKey,
                p.Type == RoomEventTypes.Member ? MembershipOf(p) : null))]);
        try
        {
            LockedRoom locked;
            await using (lockResults)
                locked = await writer.ReadLockedRoomAsync(lockResults, request.RoomId, creating, pdus[0], cancellationToken);
            var extremities = locked.Extremities;
            for (var i = 0; i < pdus.Length; i++)
            {
                var pdu = pdus[i];
                foreach (var prev in pdu.PrevEventIds)
                    if (!extremities.Contains(prev))
                        throw new RoomMovedOnException($"{pdu.EventId} names {prev}, which is not a forward extremity of {request.RoomId}.");
                if (pdu.PrevEventIds.Count == 0 && !(creating && i == 0))
                    throw new RoomMovedOnException($"{pdu.EventId} has no prev events but is not the room's create event.");
                var source = request.Events[i];
                outcomes[i] = await writer.WriteAsync(connection, transaction, new EventWrite(
                    pdu, source.CanonicalJson, rows[i].Position, allocation.WriterId,
                    source.Transaction, source.AppliesRedactionOf, source.IsPublicRoom),
                    i == 0 ? locked.FirstPrevState : null, cancellationToken);
                extremities = new HashSet<string>(StringComparer.Ordinal) { pdu.EventId };
            }
            try
            {
                await transaction.CommitAsync(cancellationToken);
            }
            catch (Exception e) when (e is not PostgresException)
            {
                allocation.CompleteWithUnknownOutcome();
                throw;
            }
        }
        catch (StaleExtremitiesException e)
        {
            throw new RoomMovedOnException(e.Message, e);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == TransactionConstraint)
        {
            var duplicate = request.Events.First(x => x.Transaction is not null).Transaction!;
            throw new DuplicateTransactionException(duplicate);
        }
        // Before the announcement: the syncs it wakes read these first.
        ForgetRedactedTargets(request);
        for (var i = 0; i < pdus.Length; i++)
        {
            transactions.RememberPersisted(pdus[i].EventId, request.Events[i].Transaction);
            events.RememberPersisted(AsStored(pdus[i], request.Events[i], rows[i], outcomes[i]));
        }
        allocation.Complete(rows);
        measurement.Succeeded(rows[0].Position);

        logger.LogDebug("Persisted {Count} event(s) in {RoomId} at {FirstPosition}..{LastPosition} in {ElapsedMs} ms",
            pdus.Length, request.RoomId, rows[0].Position, rows[^1].Position, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new PersistResult([.. rows.Select(r => new PersistedEvent(r.Data.EventId, r.Position, r.WriterId))]);
    }

    // The creator is trusted (same process, or authenticated by the cluster secret), but a
    // mismatched ID would corrupt the graph for good, so it is checked where it costs one hash.
    private static Pdu Parse(EventToPersist e, RoomVersion version, string roomId)
    {
        var json = JsonNode.Parse(e.CanonicalJson)?.AsObject()
            ?? throw new ArgumentException($"Event {e.EventId} is not a JSON object.");
        var computed = EventIds.Of(json, version);
        if (computed != e.EventId)
            throw new ArgumentException($"Event {e.EventId} hashes to {computed}.");
        var pdu = Pdu.Parse(json, version, e.EventId);
        if (pdu.RoomId != roomId)
            throw new ArgumentException($"Event {e.EventId} is in {pdu.RoomId}, not {roomId}.");
        return pdu;
    }

    // Forgotten before the transaction (a read meanwhile goes to the table) and after the commit
    // (in case a read put nothing back but raced the first).
    private void ForgetRedactedTargets(PersistRequest request)
    {
        foreach (var e in request.Events)
            if (e.AppliesRedactionOf is { } target)
                events.ForgetPersisted(target);
    }

    // What the events table now holds for the event: locally built events are accepted and in the timeline.
    private static StoredEvent AsStored(Pdu pdu, EventToPersist source, StreamRow<EventStreamRow> row, EventWriteOutcome outcome) =>
        new(pdu.EventId, pdu.RoomId, pdu.Version, pdu.Type, pdu.StateKey, pdu.Sender, pdu.OriginServerTs, row.Position, row.WriterId,
            pdu.Depth, source.CanonicalJson, Outlier: false, RejectionReason: null, SoftFailed: false,
            pdu.Type == RoomEventTypes.Member ? MembershipOf(pdu) : null, outcome.ReplacedStateEventId, RedactedBy: null);

    private static string? MembershipOf(Pdu pdu) =>
        pdu.Content["membership"] is JsonValue value && value.TryGetValue<string>(out var membership) ? membership : null;
}
