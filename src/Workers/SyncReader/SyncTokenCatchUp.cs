using Cluster.Replication.Hosting;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams.AccountData;
using Cluster.Replication.Streams.Events;
using Cluster.Replication.Streams.PushRules;
using Cluster.Replication.Streams.Receipts;
using Cluster.Replication.Streams.ToDevice;
using Cluster.Replication.Streams.Typing;
using Cluster.Replication.Streams;
using Cluster.Replication.Tokens;
using Npgsql;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// A client may bring a token minted by another sync reader that had seen more than this one
/// (the router moved it, or that reader died). Before answering, this reader reads what it is
/// missing from PostgreSQL at once, instead of waiting for the bus; otherwise its next_batch
/// would step back behind the token and the client would be sent those rows a second time.
/// </summary>
public sealed class SyncTokenCatchUp(
    StreamHost<EventStreamRow> events,
    StreamHost<TypingRow> typing,
    StreamHost<ReceiptRow> receipts,
    StreamHost<AccountDataRow> accountData,
    StreamHost<ToDeviceRow> toDevice,
    StreamHost<PushRulesRow> pushRules,
    StreamNotifier notifier,
    NpgsqlDataSource dataSource,
    ILogger<SyncTokenCatchUp> logger)
{
    /// <summary>How long a sync that will not wait lets this reader apply writes already committed.</summary>
    public static readonly TimeSpan CommittedWritesWait = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for announcements still in flight once the database has been read.</summary>
    public static readonly TimeSpan InFlightWait = TimeSpan.FromSeconds(2);

    public async Task CatchUpAsync(SyncToken since, CancellationToken cancellationToken)
    {
        var behind = new List<Task>(2);
        Check(events, since.Events, behind, cancellationToken);
        Check(typing, since.Typing, behind, cancellationToken);
        Check(receipts, since.Receipts, behind, cancellationToken);
        Check(accountData, since.AccountData, behind, cancellationToken);
        Check(toDevice, since.ToDevice, behind, cancellationToken);
        Check(pushRules, since.PushRules, behind, cancellationToken);
        if (behind.Count == 0)
            return;
        await Task.WhenAll(behind);
        if (Covers(since))
            return;
        // The database lags the announcements by a round trip; the bus brings the rest in
        // milliseconds. A token that is still ahead after that was never handed out by us.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(InFlightWait);
        try
        {
            await notifier.WaitForAsync(_ => Covers(since), timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("A sync token is ahead of every position persisted ({Token}); answering from what is there", since.ToString());
        }
    }

    /// <summary>
    /// Read your own writes: a client whose write has returned and who then syncs without waiting
    /// (initial sync, <c>timeout=0</c>) must see it, though the bus may not have brought it to this
    /// reader yet. One round trip finds each stream's committed rows this reader lacks; it then
    /// waits (bounded) for the follower to apply them, never skipping ahead of rows in flight.
    /// </summary>
    public async Task WaitForCommittedWritesAsync(CancellationToken cancellationToken)
    {
        // Streams this process writes itself are level already (LocalEventWrites, OwnWrites).
        var followed = new[] { Follow(events), Follow(receipts), Follow(accountData), Follow(toDevice), Follow(pushRules) }
            .OfType<(Func<StreamPositionVector> Positions, NpgsqlBatchCommand Query)>().ToArray();
        if (followed.Length == 0)
            return;
        var targets = new IReadOnlyDictionary<int, long>[followed.Length];
        await using (var batch = dataSource.CreateBatch())
        {
            foreach (var stream in followed)
                batch.BatchCommands.Add(stream.Query);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            for (var i = 0; i < followed.Length; i++)
            {
                targets[i] = await StreamStore<EventStreamRow>.ReadCommittedMaxima(reader, cancellationToken);
                await reader.NextResultAsync(cancellationToken);
            }
        }
        bool Applied()
        {
            for (var i = 0; i < followed.Length; i++)
            {
                var positions = followed[i].Positions();
                foreach (var (writer, position) in targets[i])
                    if (positions.PositionOf(writer) < position)
                        return false;
            }
            return true;
        }
        if (Applied())
            return;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommittedWritesWait);
        try
        {
            await notifier.WaitForAsync(_ => Applied(), timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Committed rows did not reach this sync reader within {Wait}; answering without them", CommittedWritesWait);
        }
    }

    private static (Func<StreamPositionVector> Positions, NpgsqlBatchCommand Query)? Follow<TRow>(StreamHost<TRow> stream)
    {
        if (stream.Writes)
            return null;
        var positions = stream.Follower.Positions;
        return (() => stream.Follower.Positions, stream.Follower.Store.CommittedMaximaCommand(positions.Minimum));
    }

    private bool Covers(SyncToken since) =>
        since.Events.IsBeforeOrEqual(events.Follower.Positions)
        && since.Typing.IsBeforeOrEqual(typing.Follower.Positions)
        && since.Receipts.IsBeforeOrEqual(receipts.Follower.Positions)
        && since.AccountData.IsBeforeOrEqual(accountData.Follower.Positions)
        && since.ToDevice.IsBeforeOrEqual(toDevice.Follower.Positions)
        && since.PushRules.IsBeforeOrEqual(pushRules.Follower.Positions);

    private static void Check<TRow>(StreamHost<TRow> stream, StreamPositionVector since, List<Task> behind, CancellationToken cancellationToken)
    {
        if (!since.IsBeforeOrEqual(stream.Follower.Positions))
            behind.Add(stream.Follower.CatchUpToAsync(since, cancellationToken));
    }
}
