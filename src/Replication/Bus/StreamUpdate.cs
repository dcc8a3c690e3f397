using System.Diagnostics;

namespace Cluster.Replication.Bus;

/// <summary>A row as it travels on the bus: its position and the stream's encoding of its data.</summary>
public readonly record struct EncodedRow(long Position, ReadOnlyMemory<byte> Payload);

/// <summary>
/// The recorded span a row was written in (an event's persist span), so that a reader's work on
/// the row (a /sync delivering the event) can be linked to the writer's trace.
/// </summary>
public readonly record struct RowTrace(long Position, ActivityContext Context);

/// <summary>Anything that travels on the replication bus.</summary>
public abstract record ReplicationMessage;

/// <summary>
/// A writer's announcement: its persisted position moved from <see cref="PreviousPosition"/> to
/// <see cref="Position"/>, and these are all of its rows in between, ascending. With
/// <see cref="RowsOmitted"/> the rows are left out (too many, or a commit of unknown outcome)
/// and readers read the range from the database. A heartbeat repeats the position with
/// <see cref="PreviousPosition"/> equal to it, so a reader that missed something notices.
/// </summary>
public sealed record StreamUpdate : ReplicationMessage
{
    public StreamUpdate(
        string stream, int writerId, long previousPosition, long position, bool rowsOmitted, IReadOnlyList<EncodedRow> rows)
    {
        if (string.IsNullOrEmpty(stream))
            throw new ArgumentException("A stream update names its stream.", nameof(stream));
        if (previousPosition < 0 || position < previousPosition)
            throw new ArgumentException($"Positions must satisfy 0 <= previous ({previousPosition}) <= position ({position}).");
        var last = previousPosition;
        foreach (var row in rows)
        {
            if (row.Position <= last || row.Position > position)
                throw new ArgumentException(
                    $"Row at {row.Position} is not ascending within ({previousPosition}, {position}].", nameof(rows));
            last = row.Position;
        }
        if (rowsOmitted && rows.Count > 0)
            throw new ArgumentException("An update either carries its rows or omits them all.", nameof(rows));
        Stream = stream;
        WriterId = writerId;
        PreviousPosition = previousPosition;
        Position = position;
        RowsOmitted = rowsOmitted;
        Rows = rows;
    }

    public string Stream { get; }
    public int WriterId { get; }
    public long PreviousPosition { get; }
    public long Position { get; }
    public bool RowsOmitted { get; }
    public IReadOnlyList<EncodedRow> Rows { get; }

    /// <summary>When the writer sent the update, by its clock: readers measure the replication lag from it.</summary>
    public DateTimeOffset? SentAt { get; init; }

    /// <summary>The trace contexts of the rows written inside a recorded span; null when none was (tracing off).</summary>
    public IReadOnlyList<RowTrace>? Traces { get; init; }

    public bool IsHeartbeat => PreviousPosition == Position;
}

/// <summary>A message a bus sends to itself to prove its subscription delivers.</summary>
public sealed record BusProbe(Guid Nonce) : ReplicationMessage;
