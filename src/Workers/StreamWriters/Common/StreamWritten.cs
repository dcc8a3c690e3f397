using System.Text.Json.Nodes;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams;
using Cluster.Replication.Streams.Common;
using Cluster.Replication.Tokens;

namespace Cluster.Workers.StreamWriters.Common;

/// <summary>
/// Where a write landed: its stream, its writer and the highest position of its rows. The
/// writer instance reports it to a process that asked for the write over internal HTTP, which
/// then waits until its own follower has applied it, so what that process serves next (its
/// /sync, its in-memory state) includes the write, just as if it had written it itself.
/// </summary>
public sealed record StreamWritten(string Stream, int WriterId, long Position)
{
    /// <summary>The rows' place, or null when nothing was written (a repeated transaction, no receipts).</summary>
    public static StreamWritten? Of<TRow>(string stream, IReadOnlyList<StreamRow<TRow>> rows) =>
        rows.Count == 0 ? null : new StreamWritten(stream, rows[0].WriterId, rows.Max(r => r.Position));

    public JsonObject ToJson() => new()
    {
        ["stream"] = Stream,
        ["writer_id"] = WriterId,
        ["position"] = Position,
    };

    /// <summary>Reads what <see cref="ToJson"/> wrote; null for a missing or malformed value.</summary>
    public static StreamWritten? FromJson(JsonNode? node) =>
        node is JsonObject json
        && json["stream"] is JsonValue stream && stream.TryGetValue<string>(out var name)
        && json["writer_id"] is JsonValue writer && writer.TryGetValue<int>(out var writerId)
        && json["position"] is JsonValue position && position.TryGetValue<long>(out var at)
            ? new StreamWritten(name, writerId, at)
            : null;

    /// <summary>
    /// Waits until this process's follower of the stream has applied the write, at most
    /// <see cref="OwnWrites.MaxWait"/>: the write is committed either way, and a lagging follower
    /// should slow the request down, not fail it.
    /// </summary>
    public async Task WaitUntilVisibleAsync(StreamNotifier notifier, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(OwnWrites.MaxWait);
        try
        {
            await notifier.WaitUntilReachedAsync(Stream, StreamPositionVector.Create(0, [new WriterPosition(WriterId, Position)]), timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }
}
