namespace Cluster.Workers.StreamWriters.Receipts;

/// <summary>One receipt of a user in a room: its type (m.read, m.read.private), the event, and the thread (null: unthreaded).</summary>
public sealed record ReceiptMark(string Type, string EventId, string? ThreadId);

/// <summary>
/// Receipt writes, from any process: <see cref="ReceiptWriter"/> where this instance writes the
/// receipts stream, <see cref="RemoteReceiptWriter"/> (to the writer instance) elsewhere.
/// Returns once this process's /sync can see the receipts.
/// </summary>
public interface IReceiptWriter
{
    Task WriteAsync(string roomId, string userId, IReadOnlyList<ReceiptMark> receipts, CancellationToken cancellationToken);
}
