using Cluster.Replication.Hosting;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams.Common;
using Cluster.Replication.Streams.Receipts;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.Receipts;

/// <summary>
/// Writes receipts (m.read, m.read.private) through the receipts stream, stamped with the
/// server's time, on the instance that writes the stream.
/// </summary>
public sealed class ReceiptWriter(StreamHost<ReceiptRow> stream, StreamNotifier notifier, TimeProvider time) : IReceiptWriter
{
    Task IReceiptWriter.WriteAsync(string roomId, string userId, IReadOnlyList<ReceiptMark> receipts, CancellationToken cancellationToken) =>
        WriteAsync(roomId, userId, receipts, cancellationToken);

    public async Task<StreamWritten?> WriteAsync(
        string roomId, string userId, IReadOnlyList<ReceiptMark> receipts, CancellationToken cancellationToken)
    {
        if (receipts.Count == 0)
            return null;
        var ts = time.GetUtcNow().ToUnixTimeMilliseconds();
        var rows = await stream.Writer.WriteAsync(
            [.. receipts.Select(r => new ReceiptRow(roomId, r.Type, userId, r.ThreadId, r.EventId, ts))], cancellationToken);
        await OwnWrites.WaitUntilVisibleAsync(notifier, stream.Name, rows, cancellationToken);
        return StreamWritten.Of(stream.Name, rows);
    }
}
