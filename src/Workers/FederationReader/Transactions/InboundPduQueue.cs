using System.Collections.Concurrent;
using Cluster.Shared.Storage;
using Cluster.Shared.Storage.Federation;
using Cluster.Workers.FederationSender;
using Cluster.Workers.Host;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cluster.Workers.FederationReader.Transactions;

/// <summary>
/// Processes queued inbound PDUs (<see cref="InboundPduStore"/>): per room in arrival order, a
/// batch at a time (<see cref="InboundPduProcessor"/> persists what it can of a batch in one
/// transaction), rooms side by side. In a cluster only the rooms the topology's federation
/// readers shard to this process (<see cref="ClusterContext.ProcessesInboundPdusOf"/>), whichever
/// reader took the transaction: one process per room keeps the arrival order. /send wakes a room
/// after queuing here, and through PostgreSQL (<see cref="InboundPduStore.Channel"/>) in the
/// process that owns it; each time that listening starts, every owned room with PDUs left over is
/// woken. A PDU is deleted from the queue once it has a verdict. One without a verdict yet (its
/// signers' keys or its auth events unavailable, or a fault on the way to storage) stays queued
/// and is tried again after a back-off, up to <see cref="InboundPduRetryOptions.MaxAttempts"/>
/// attempts; meanwhile the room's later PDUs go ahead.
/// </summary>
public sealed class InboundPduQueue(
    InboundPduStore store, InboundPduProcessor processor, NpgsqlDataSource dataSource, ClusterContext cluster,
    IOptions<InboundPduRetryOptions> retryOptions, TimeProvider clock, ILogger<InboundPduQueue> logger)
    : BackgroundService
{
    // A /send transaction holds at most 50 PDUs: one of them is usually persisted in one go.
    private const int BatchSize = 50;

    // Per room: whether a drain runs, and whether it was woken again since its last read.
    private readonly ConcurrentDictionary<string, RoomDrain> _drains = new(StringComparer.Ordinal);
    private readonly InboundPduRetryOptions _retry = retryOptions.Value;
    private readonly RetryBackoff _backoff = new(retryOptions.Value.FirstDelay, TimeSpan.FromDays(1));
    private CancellationToken _stopping = CancellationToken.None;

    private long _taken;

    /// <summary>PDUs this process took from transactions since it started (each transaction once): what other servers sent here.</summary>
    public long Taken => Interlocked.Read(ref _taken);

    /// <summary>A transaction's <paramref name="count"/> PDUs were queued.</summary>
    public void Took(int count)
    {
        Interlocked.Add(ref _taken, count);
        InboundPduMetrics.RecordTaken(count);
    }

    /// <summary>New PDUs of <paramref name="roomId"/> are queued: process them if the room is this process's.</summary>
    public void Wake(string roomId)
    {
        if (!cluster.ProcessesInboundPdusOf(roomId))
            return;
        var drain = _drains.GetOrAdd(roomId, _ => new RoomDrain());
        lock (drain)
        {
            drain.Woken = true;
            if (drain.Running)
                return;
            drain.Running = true;
        }
        _ = Task.Run(() => DrainAsync(roomId, drain, _stopping));
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        return PostgresChannelListener.RunAsync(dataSource, InboundPduStore.Channel, WakeLeftOverAsync, Wake, clock, logger, stoppingToken);
    }

    private async Task WakeLeftOverAsync(CancellationToken cancellationToken)
    {
        foreach (var roomId in await store.RoomsWithQueuedAsync(cancellationToken))
            Wake(roomId);
    }

    private async Task DrainAsync(string roomId, RoomDrain drain, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                lock (drain)
                    drain.Woken = false;
                var batch = await store.NextAsync(roomId, BatchSize, cancellationToken);
                if (batch.Count == 0)
                {
                    // What is left waits for a retry: come back when the first is due.
                    if (await store.NextRetryAtAsync(roomId, cancellationToken) is { } due)
                        WakeAt(roomId, drain, due, cancellationToken);
                    lock (drain)
                    {
                        if (!drain.Woken)
                        {
                            drain.Running = false;
                            return;
                        }
                    }
                    continue;
                }
                await ProcessAsync(batch, cancellationToken);
            }
        }
        catch (Exception e)
        {
            if (!cancellationToken.IsCancellationRequested)
                logger.LogError(e, "Processing the inbound PDUs of {RoomId} stopped", roomId);
        }
        lock (drain)
            drain.Running = false;
    }

    private async Task ProcessAsync(IReadOnlyList<QueuedPdu> batch, CancellationToken cancellationToken)
    {
        IReadOnlyList<InboundPduOutcome> outcomes;
        try
        {
            outcomes = await processor.ProcessAsync(batch, _retry.MaxAttempts, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A fault before any PDU had its own verdict (reading the room): an attempt for each.
            logger.LogWarning(e, "{Count} inbound PDUs in {RoomId} could not be processed", batch.Count, batch[0].RoomId);
            outcomes = [.. batch.Select(q => q.Attempts + 1 >= _retry.MaxAttempts ? InboundPduOutcome.Done : InboundPduOutcome.RetryLater)];
        }
        var now = clock.GetUtcNow();
        for (var i = 0; i < batch.Count; i++)
            if (outcomes[i] == InboundPduOutcome.RetryLater)
                await store.PostponeAsync(batch[i].Id, batch[i].Attempts + 1, now + _backoff.DelayAfter(batch[i].Attempts + 1), cancellationToken);
        var done = batch.Where((_, i) => outcomes[i] == InboundPduOutcome.Done).Select(q => q.Id).ToArray();
        if (done.Length > 0)
            await store.DeleteAsync(done, cancellationToken);
    }

    // One timer per room at a time: a later due time waits for the earlier wake, whose drain sets the next.
    private void WakeAt(string roomId, RoomDrain drain, DateTimeOffset due, CancellationToken cancellationToken)
    {
        lock (drain)
        {
            if (drain.WakeAt is { } scheduled && scheduled <= due)
                return;
            drain.WakeAt = due;
        }
        _ = WakeLaterAsync();

        async Task WakeLaterAsync()
        {
            try
            {
                var wait = due - clock.GetUtcNow();
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, clock, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            lock (drain)
                if (drain.WakeAt == due)
                    drain.WakeAt = null;
            Wake(roomId);
        }
    }

    private sealed class RoomDrain
    {
        public bool Running;
        public bool Woken;
        public DateTimeOffset? WakeAt;
    }
}
