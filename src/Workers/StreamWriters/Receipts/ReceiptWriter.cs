using Cluster.Replication.Hosting;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams.Common;
using Cluster.Replication.Streams.Receipts;

namespace Cluster.Workers.StreamWriters.Receipts;

/// <summary>Writes receipts (m.read, m.read.private) through the receipts stream, stamped with the server's time.</summary>
public sealed class ReceiptWriter(StreamHost<ReceiptRow> stream, StreamNotifier notifier, TimeProvider time)
{
    public async Task WriteAsync(
        string roomId, string userId, IReadOnlyList<(string Type, string EventId, string? ThreadId)> receipts,
        CancellationToken cancellationToken)
    {
        if (receipts.Count == 0)
            return;
        var ts = time.GetUtcNow().ToUnixTimeMilliseconds();
        var rows = await stream.Writer.WriteAsync(
            [.. receipts.Select(r => new ReceiptRow(roomId, r.Type, userId, r.ThreadId, r.EventId, ts))], cancellationToken);
        await OwnWrites.WaitUntilVisibleAsync(notifier, stream.Name, rows, cancellationToken);
    }
}
