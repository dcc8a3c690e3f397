using System.Diagnostics;
using System.Text.Json.Nodes;
using Cluster.Replication.Hosting;
using Cluster.Replication.Streams;
using Cluster.Replication.Streams.Events;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Storage.Events;
using Cluster.Shared.Threading;
using Cluster.Workers.EventPersister.Received;
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
    RoomStateStore states, AuthChainEvents chains, ClusterContext cluster,
    ILogger<LocalEventPersistence> logger) : IEventPersistence
{
    private const string TransactionConstraint = "event_transaction_ids_request";

    private readonly KeyedAsyncLock _rooms = new();
    private readonly RoomTips _tips = new();

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

        using var held = await _rooms.AcquireAsync(request.RoomId, cancellationToken);
        Written written;
        try
        {
            written = await TryWriteOnTipAsync(request, pdus, cancellationToken)
                ?? await WriteInTransactionAsync(request, pdus, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == TransactionConstraint)
        {
            var duplicate = request.Events.First(x => x.Transaction is not null).Transaction!;
            throw new DuplicateTransactionException(duplicate);
        }
        catch
        {
            _tips.Forget(request.RoomId);
            throw;
        }
        using var allocation = written.Allocation;
        var rows = written.Rows;
        // Before the announcement: the syncs it wakes read these first.
        ForgetRedactedTargets(request);
        for (var i = 0; i < pdus.Length; i++)
        {
            transactions.RememberPersisted(pdus[i].EventId, request.Events[i].Transaction);
            events.RememberPersisted(AsStored(pdus[i], request.Events[i], rows[i], written.Outcomes[i]));
        }
        _tips.Remember(RoomTip.After(pdus[^1], written.Outcomes[^1]));
        allocation.Complete(rows);
        measurement.Succeeded(rows[0].Position);

        logger.LogDebug("Persisted {Count} event(s) in {RoomId} at {FirstPosition}..{LastPosition} in {ElapsedMs} ms",
            pdus.Length, request.RoomId, rows[0].Position, rows[^1].Position, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new PersistResult([.. rows.Select(r => new PersistedEvent(r.Data.EventId, r.Position, r.WriterId))]);
    }

    /// <summary>Events committed, with the positions they hold until <see cref="Allocation"/> completes.</summary>
    private sealed record Written(
        StreamAllocation<EventStreamRow> Allocation, IReadOnlyList<StreamRow<EventStreamRow>> Rows, EventWriteOutcome[] Outcomes);

    /// <summary>
    /// The common case, one event built on the event this persister wrote last in the room (a
    /// message after a message), in one round trip: its position, every row and the commit.
    /// Null, having written nothing, for any other request or when the room moved on since (the
    /// general path then reads the room and decides).
    /// </summary>
    private async Task<Written?> TryWriteOnTipAsync(PersistRequest request, Pdu[] pdus, CancellationToken cancellationToken)
    {
        if (pdus.Length != 1 || _tips.Of(request.RoomId) is not { } tip)
            return null;
        var source = request.Events[0];
        var write = new EventWrite(pdus[0], source.CanonicalJson, StreamOrdering: null, eventsStream.Writer.WriterId,
            source.Transaction, source.AppliesRedactionOf, source.IsPublicRoom);
        await using var batch = new NpgsqlBatch();
        if (writer.TryAddWriteOnTip(batch, write, tip) is not { } added)
            return null;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        batch.Connection = connection;
        // Until the allocation is made its failures are the writer's to settle.
        StreamAllocation<EventStreamRow>? allocation = null;
        try
        {
            (allocation, var results) = await eventsStream.Writer.AllocateWithBatchAsync(1, batch, cancellationToken, batchWritesRows: true);
            EventWriteOutcome outcome;
            await using (results)
                outcome = await writer.ReadWriteOnTipAsync(results, added, cancellationToken);
            var rows = allocation.Rows([RowOf(pdus[0])]);
            return new Written(allocation, rows, [outcome]);
        }
        catch (PostgresException e) when (e.SqlState == RoomEventWriter.ExtremitiesMovedSqlState)
        {
            allocation?.Dispose();
            _tips.Forget(request.RoomId);
            return null;
        }
        // A refused statement rolled the batch back; anything else may have come after its commit.
        catch (Exception e) when (e is not PostgresException && allocation is not null)
        {
            allocation.CompleteWithUnknownOutcome();
            throw;
        }
        catch
        {
            allocation?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Any request, in one transaction: one round trip takes the positions, locks the room, reads
    /// its extremities and the state the first event follows; then each event's rows; then the commit.
    /// </summary>
    private async Task<Written> WriteInTransactionAsync(PersistRequest request, Pdu[] pdus, CancellationToken cancellationToken)
    {
        var creating = pdus[0].Type == RoomEventTypes.Create && pdus[0].StateKey == "";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var locking = new NpgsqlBatch(connection, transaction);
        writer.AddLockRoom(locking, request.RoomId, pdus[0]);
        var (allocation, lockResults) = await eventsStream.Writer.AllocateWithBatchAsync(pdus.Length, locking, cancellationToken);
        try
        {
            var rows = allocation.Rows([.. pdus.Select(RowOf)]);
            var outcomes = new EventWriteOutcome[pdus.Length];
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
                var write = new EventWrite(pdu, source.CanonicalJson, rows[i].Position, allocation.WriterId,
                    source.Transaction, source.AppliesRedactionOf, source.IsPublicRoom);
                outcomes[i] = await writer.WriteAsync(connection, transaction, write, i == 0 ? locked.FirstPrevState : null, cancellationToken);
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
            return new Written(allocation, rows, outcomes);
        }
        catch (StaleExtremitiesException e)
        {
            allocation.Dispose();
            throw new RoomMovedOnException(e.Message, e);
        }
        catch
        {
            allocation.Dispose();
            throw;
        }
    }

    private static EventStreamRow RowOf(Pdu pdu) =>
        new(pdu.EventId, pdu.RoomId, pdu.Type, pdu.StateKey, pdu.Type == RoomEventTypes.Member ? MembershipOf(pdu) : null);

    public async Task<ReceivedPersistResult> PersistReceivedAsync(ReceivedPersistRequest request, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(request.Events.Count);
        if (cluster.RemotePersisterOf(request.RoomId) is { } owner)
            throw new RoomNotOwnedException(request.RoomId, owner.Name);
        if (!RoomVersions.TryGet(request.RoomVersion, out var version))
            throw new ArgumentException($"Unknown room version '{request.RoomVersion}'.", nameof(request));
        var pdus = request.Events.Select(e => Parse(new EventToPersist(e.EventId, e.CanonicalJson), version, request.RoomId)).ToArray();
        if (pdus.Select(p => p.EventId).Distinct(StringComparer.Ordinal).Count() != pdus.Length)
            throw new ArgumentException("The same event appears twice in one request.");

        using var held = await _rooms.AcquireAsync(request.RoomId, cancellationToken);
        // Received events may move the room's extremities and state on: its next local event reads them.
        _tips.Forget(request.RoomId);
        var known = await events.GetEventsAsync([.. pdus.Select(p => p.EventId)], cancellationToken);
        var fresh = Enumerable.Range(0, pdus.Length).Where(i => !known.ContainsKey(pdus[i].EventId)).ToArray();
        var outcomes = new ReceivedEventOutcome?[pdus.Length];
        foreach (var (i, stored) in pdus.Select((p, i) => (i, known.GetValueOrDefault(p.EventId))))
            if (stored is not null)
                outcomes[i] = new ReceivedEventOutcome(stored.EventId, ReceivedEventStatus.AlreadyKnown, stored.StreamOrdering, stored.InstanceId);
        if (fresh.Length == 0)
            return new ReceivedPersistResult([.. outcomes.Select(o => o!)]);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var locking = new NpgsqlBatch(connection, transaction);
        locking.BatchCommands.Add(new NpgsqlBatchCommand("SELECT room_version FROM rooms WHERE room_id = $1 FOR UPDATE")
            { Parameters = { new NpgsqlParameter { Value = request.RoomId } } });
        var (allocation, lockResults) = await eventsStream.Writer.AllocateWithBatchAsync(fresh.Length, locking, cancellationToken);
        using var allocated = allocation;
        string? storedVersion;
        await using (lockResults)
            storedVersion = await lockResults.ReadAsync(cancellationToken) ? lockResults.GetString(0) : null;
        if (storedVersion is null)
            await CreateReceivedRoomAsync(connection, transaction, request, pdus, cancellationToken);
        else if (storedVersion != version.Id)
            throw new ArgumentException($"Room {request.RoomId} has room version {storedVersion}, not {version.Id}.");

        var rows = allocation.Rows([.. fresh.Select(i => new EventStreamRow(pdus[i].EventId, pdus[i].RoomId, pdus[i].Type, pdus[i].StateKey,
            pdus[i].Type == RoomEventTypes.Member ? MembershipOf(pdus[i]) : null))]);
        var placement = new ReceivedEventPlacement(connection, transaction, states, events, chains);
        var extremities = new HashSet<string>(await writer.ReadExtremitiesAsync(connection, transaction, request.RoomId, cancellationToken), StringComparer.Ordinal);
        // Soft failure only means something in a room this server already holds a state of.
        var hadState = storedVersion is not null && extremities.Count > 0;
        var written = new StoredEvent[fresh.Length];
        var handedOverMembers = request.Events.Where(e => e.StateBefore is not null).SelectMany(e => e.StateBefore!)
            .Where(s => s.Type == RoomEventTypes.Member).Select(s => s.EventId).ToHashSet(StringComparer.Ordinal);
        for (var n = 0; n < fresh.Length; n++)
        {
            var i = fresh[n];
            var (pdu, source, row) = (pdus[i], request.Events[i], rows[n]);
            if (source.Outlier)
            {
                await writer.WriteReceivedAsync(connection, transaction,
                    new ReceivedEventWrite(pdu, source.CanonicalJson, row.Position, row.WriterId, true, source.RejectionReason, false, null,
                        RecordsMembership: handedOverMembers.Contains(pdu.EventId)), null, cancellationToken);
                placement.RememberOutlier(pdu);
                if (source.MembershipOutsideRoom)
                {
                    await writer.WriteMembershipOutsideRoomAsync(connection, transaction, pdu, row.Position, row.WriterId, cancellationToken);
                    placement.CurrentStateChanged();
                }
                outcomes[i] = new ReceivedEventOutcome(pdu.EventId, ReceivedEventStatus.Outlier, row.Position, row.WriterId, source.RejectionReason);
                written[n] = AsStored(pdu, source.CanonicalJson, row, outlier: true, source.RejectionReason, softFailed: false, replaced: null);
                continue;
            }
            var given = source.StateBefore?.ToDictionary(e => (e.Type, e.StateKey), e => e.EventId);
            IReadOnlyDictionary<(string Type, string StateKey), string> stateBefore;
            if (given is not null)
                stateBefore = given;
            else
            {
                var (computed, missing) = await placement.StateBeforeAsync(pdu, cancellationToken);
                stateBefore = computed ?? throw new MissingPrevStateException(pdu.EventId, missing);
            }
            var rejection = source.RejectionReason ?? await placement.RefusalAgainstAsync(pdu, stateBefore, cancellationToken);
            var softFailed = false;
            if (rejection is null && hadState)
                softFailed = await placement.RefusalAgainstAsync(pdu, await placement.CurrentStateAsync(request.RoomId, cancellationToken), cancellationToken) is not null;
            // A delta on the only prev event's group when that is where the state came from; else the whole state.
            var storeWhole = given is not null || pdu.PrevEventIds.Distinct(StringComparer.Ordinal).Count() != 1;
            var write = new ReceivedEventWrite(pdu, source.CanonicalJson, row.Position, row.WriterId, false, rejection, softFailed,
                storeWhole ? stateBefore : null, SendOnBehalfOf: source.SendOnBehalfOf, SentByResident: source.SentByResident);
            var outcome = await writer.WriteReceivedAsync(connection, transaction, write,
                storeWhole ? null : await placement.PrevStateAsync(pdu, cancellationToken), cancellationToken);
            placement.Remember(pdu, stateBefore, rejection is null, outcome);
            outcomes[i] = new ReceivedEventOutcome(pdu.EventId,
                rejection is not null ? ReceivedEventStatus.Rejected : softFailed ? ReceivedEventStatus.SoftFailed : ReceivedEventStatus.Accepted,
                row.Position, row.WriterId, rejection);
            written[n] = AsStored(pdu, source.CanonicalJson, row, outlier: false, rejection, softFailed, outcome.ReplacedStateEventId);
            if (write.Accepted)
            {
                extremities = await UpdateCurrentStateAsync(connection, transaction, placement, pdu, extremities, outcome.ExtremitiesAfter!,
                    version, cancellationToken);
                hadState = true;
            }
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
        // Before the announcement: the syncs it wakes, and the next PDUs' checks, read these first.
        foreach (var stored in written)
        {
            transactions.RememberPersisted(stored.EventId, null);
            events.RememberPersisted(stored);
        }
        allocation.Complete(rows);
        logger.LogDebug("Persisted {Count} received event(s) in {RoomId}", fresh.Length, request.RoomId);
        return new ReceivedPersistResult([.. outcomes.Select(o => o!)]);
    }

    // A room this server learns of over federation: its row comes from the create event, which
    // must be among the events (a join hands over the whole state) or stored already; or, for an
    // invite to a room this server is not in, from the room version the inviting server gave.
    private async Task CreateReceivedRoomAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, ReceivedPersistRequest request, Pdu[] pdus,
        CancellationToken cancellationToken)
    {
        if (request.Events.All(e => e.MembershipOutsideRoom))
        {
            await writer.InsertRoomIfAbsentAsync(connection, transaction, request.RoomId, request.RoomVersion, null, cancellationToken);
            return;
        }
        var create = pdus.FirstOrDefault(p => p.Type == RoomEventTypes.Create && p.StateKey == "")
            ?? throw new ArgumentException($"Room {request.RoomId} is unknown here and the events do not include its create event.");
        await writer.InsertRoomIfAbsentAsync(connection, transaction, request.RoomId, request.RoomVersion, create.Sender, cancellationToken);
    }

    // The forward extremities after an accepted event, and the current state they resolve to:
    // when the event follows every extremity, the state after it; otherwise the resolution of
    // the extremities' states.
    // after: the extremities once the event was written.
    private async Task<HashSet<string>> UpdateCurrentStateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, ReceivedEventPlacement placement, Pdu pdu,
        HashSet<string> extremities, IReadOnlySet<string> after, RoomVersion version, CancellationToken cancellationToken)
    {
        if (after.Count == 1 && after.Contains(pdu.EventId) && extremities.Count > 0 && extremities.SetEquals(pdu.PrevEventIds))
        {
            // It extends the state the room already had; the current state gains its key, if any.
            if (pdu.StateKey is not null)
            {
                await writer.SetCurrentStateAsync(connection, transaction, pdu, cancellationToken);
                placement.CurrentStateSet(pdu);
            }
            return [.. after];
        }
        var sets = new List<IReadOnlyDictionary<(string Type, string StateKey), string>>();
        foreach (var extremity in after)
            if (await placement.StateAfterAsync(extremity, cancellationToken) is { } set)
                sets.Add(set);
        if (sets.Count > 0)
        {
            await writer.ReplaceCurrentStateAsync(connection, transaction, pdu.RoomId,
                await placement.ResolveAsync(version, sets, cancellationToken), cancellationToken);
            placement.CurrentStateChanged();
        }
        return [.. after];
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

    // What the events table now holds for a received event (no redaction applies to an event just stored).
    private static StoredEvent AsStored(
        Pdu pdu, byte[] json, StreamRow<EventStreamRow> row, bool outlier, string? rejection, bool softFailed, string? replaced) =>
        new(pdu.EventId, pdu.RoomId, pdu.Version, pdu.Type, pdu.StateKey, pdu.Sender, pdu.OriginServerTs, row.Position, row.WriterId,
            pdu.Depth, json, outlier, rejection, softFailed, pdu.Type == RoomEventTypes.Member ? MembershipOf(pdu) : null, replaced, RedactedBy: null);

    // What the events table now holds for the event: locally built events are accepted and in the timeline.
    private static StoredEvent AsStored(Pdu pdu, EventToPersist source, StreamRow<EventStreamRow> row, EventWriteOutcome outcome) =>
        new(pdu.EventId, pdu.RoomId, pdu.Version, pdu.Type, pdu.StateKey, pdu.Sender, pdu.OriginServerTs, row.Position, row.WriterId,
            pdu.Depth, source.CanonicalJson, Outlier: false, RejectionReason: null, SoftFailed: false,
            pdu.Type == RoomEventTypes.Member ? MembershipOf(pdu) : null, outcome.ReplacedStateEventId, RedactedBy: null);

    private static string? MembershipOf(Pdu pdu) =>
        pdu.Content["membership"] is JsonValue value && value.TryGetValue<string>(out var membership) ? membership : null;
}
