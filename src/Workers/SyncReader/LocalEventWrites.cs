using Cluster.Replication.Hosting;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams.Events;
using Cluster.Replication.Tokens;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// Read-your-writes for a process that persists events and serves /sync (single-process mode):
/// a client whose join returned and who syncs at once must find the room. The persister answers
/// once its transaction commits, but its rows reach this process's follower (and so the sync's
/// position and caches) only when announced, a moment later; a sync built in between would
/// answer, with no timeout, as if the join had not happened. So before building, a sync waits
/// until the follower has applied everything this process's events writer has committed.
/// </summary>
/// <remarks>
/// Costs nothing when the follower is level with the writer (the usual case) and never a
/// database round trip. Other streams' writers wait for their own rows before answering
/// (OwnWrites); the events persister cannot, as it answers another process in a cluster. In a
/// cluster a sync reader does not write events, and this does nothing.
/// </remarks>
public sealed class LocalEventWrites(StreamHost<EventStreamRow> events, StreamNotifier notifier, ILogger<LocalEventWrites> logger)
{
    /// <summary>How long a sync waits for the follower before answering from what it has.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(2);

    public async Task WaitUntilAppliedAsync(CancellationToken cancellationToken)
    {
        if (!events.Writes)
            return;
        var writer = events.Writer;
        var committed = writer.Position;
        if (events.Follower.Positions.Covers(writer.WriterId, committed))
            return;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(MaxWait);
        try
        {
            await notifier.WaitUntilReachedAsync(
                events.Name, StreamPositionVector.Create(0, [new WriterPosition(writer.WriterId, committed)]), timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("The events follower has not applied this process's own writes up to {Position} within {Seconds} s; answering from what it has",
                committed, MaxWait.TotalSeconds);
        }
    }
}
