using System.Diagnostics;
using Cluster.Replication.Bus;

namespace Cluster.Replication.Streams;

/// <summary>One row of a stream: its position, the writer (instance ID) that wrote it, and its data.</summary>
public readonly record struct StreamRow<TRow>(long Position, int WriterId, TRow Data);

/// <summary>
/// What a reader applies at once: the writer's rows in (<see cref="PreviousPosition"/>,
/// <see cref="Position"/>], ascending, all of them. Positions without a row are gaps
/// (another writer's rows, or rolled-back allocations).
/// </summary>
public sealed record StreamBatch<TRow>(
    string Stream, int WriterId, long PreviousPosition, long Position, IReadOnlyList<StreamRow<TRow>> Rows)
{
    /// <summary>The spans rows were written in, when the writer was tracing; null for rows read from the database.</summary>
    public IReadOnlyList<RowTrace>? Traces { get; init; }

    /// <summary>The span the row at <paramref name="position"/> was written in, or default.</summary>
    public ActivityContext TraceOf(long position)
    {
        if (Traces is { } traces)
            foreach (var trace in traces)
                if (trace.Position == position)
                    return trace.Context;
        return default;
    }
}
