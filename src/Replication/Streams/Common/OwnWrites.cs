using Cluster.Replication.Notifier;
using Cluster.Replication.Tokens;

namespace Cluster.Replication.Streams.Common;

/// <summary>
/// Read-your-writes for request handlers: once a write's rows are applied by this process's
/// follower, a /sync the client sends next is sure to see them.
/// </summary>
public static class OwnWrites
{
    /// <summary>How long a request waits for its own rows before answering anyway.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Waits until the follower of <paramref name="stream"/> has applied <paramref name="rows"/>,
    /// at most <see cref="MaxWait"/>: the rows are committed either way, and a stalled follower
    /// should slow a request down, not fail it.
    /// </summary>
    public static async Task WaitUntilVisibleAsync<TRow>(
        StreamNotifier notifier, string stream, IReadOnlyList<StreamRow<TRow>> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
            return;
        var target = StreamPositionVector.Create(0, rows
            .GroupBy(r => r.WriterId)
            .Select(g => new WriterPosition(g.Key, g.Max(r => r.Position))));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(MaxWait);
        try
        {
            await notifier.WaitUntilReachedAsync(stream, target, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }
}
