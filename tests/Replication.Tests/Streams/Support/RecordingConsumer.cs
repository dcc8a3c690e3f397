using System.Collections.Concurrent;
using Cluster.Replication.Streams;

namespace Cluster.Replication.Tests.Streams.Support;

/// <summary>
/// Records what a follower hands out and checks, batch by batch, the follower's promises:
/// batches of a writer chain (each starts where the previous ended), rows lie in their
/// batch's range and ascend, and no batch claims a position its writer has not reached.
/// </summary>
public sealed class RecordingConsumer(Func<int, long>? writerPosition = null) : IStreamConsumer<string>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, long> _lastPosition = [];
    private readonly Dictionary<int, List<(long Position, string Body)>> _rows = [];
    private readonly ConcurrentQueue<string> _violations = new();

    public IReadOnlyCollection<string> Violations => _violations;

    public ValueTask ApplyAsync(StreamBatch<string> batch, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_lastPosition.TryGetValue(batch.WriterId, out var last) && batch.PreviousPosition != last)
                _violations.Enqueue($"writer {batch.WriterId}: batch starts at {batch.PreviousPosition}, previous ended at {last}");
            if (writerPosition is not null && batch.Position > writerPosition(batch.WriterId))
                _violations.Enqueue($"writer {batch.WriterId}: batch up to {batch.Position} beyond the writer's own {writerPosition(batch.WriterId)}");
            var previous = batch.PreviousPosition;
            if (!_rows.TryGetValue(batch.WriterId, out var rows))
                _rows[batch.WriterId] = rows = [];
            foreach (var row in batch.Rows)
            {
                if (row.Position <= previous || row.Position > batch.Position)
                    _violations.Enqueue($"writer {batch.WriterId}: row {row.Position} outside ({previous}, {batch.Position}]");
                if (row.WriterId != batch.WriterId)
                    _violations.Enqueue($"row {row.Position} names writer {row.WriterId} in writer {batch.WriterId}'s batch");
                previous = row.Position;
                rows.Add((row.Position, row.Data));
            }
            _lastPosition[batch.WriterId] = batch.Position;
        }
        return ValueTask.CompletedTask;
    }

    public List<(long Position, string Body)> RowsOf(int writer)
    {
        lock (_lock)
            return _rows.TryGetValue(writer, out var rows) ? [.. rows] : [];
    }

    public int RowCount
    {
        get { lock (_lock) return _rows.Values.Sum(r => r.Count); }
    }
}
