using System.Collections.Concurrent;
using Cluster.Shared.Storage;
using Cluster.Shared.Storage.Federation;
using Cluster.Workers.Host;
using Npgsql;

namespace Cluster.Workers.FederationReader.Transactions;

/// <summary>
/// Processes queued inbound PDUs (<see cref="InboundPduStore"/>): per room one at a time in
/// arrival order, rooms side by side. In a cluster only the rooms the topology's federation
/// readers shard to this process (<see cref="ClusterContext.ProcessesInboundPdusOf"/>), whichever
/// reader took the transaction: one process per room keeps the arrival order. /send wakes a room
/// after queuing here, and through PostgreSQL (<see cref="InboundPduStore.Channel"/>) in the
/// process that owns it; each time that listening starts, every owned room with PDUs left over is
/// woken. A PDU is deleted from the queue once processed, whatever the verdict.
/// </summary>
public sealed class InboundPduQueue(
    InboundPduStore store, InboundPduProcessor processor, NpgsqlDataSource dataSource, ClusterContext cluster,
    TimeProvider clock, ILogger<InboundPduQueue> logger)
    : BackgroundService
{
    private const int BatchSize = 20;

    // Per room: whether a drain runs, and whether it was woken again since its last read.
    private readonly ConcurrentDictionary<string, RoomDrain> _drains = new(StringComparer.Ordinal);
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
                foreach (var queued in batch)
                {
                    try
                    {
                        await processor.ProcessAsync(queued, cancellationToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        logger.LogWarning(e, "Inbound PDU {EventId} in {RoomId} from {Origin} could not be processed; dropped",
                            queued.EventId, queued.RoomId, queued.Origin);
                    }
                    await store.DeleteAsync(queued.Id, cancellationToken);
                }
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

    private sealed class RoomDrain
    {
        public bool Running;
        public bool Woken;
    }
}
