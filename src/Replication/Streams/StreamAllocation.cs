using System.Diagnostics;

namespace Cluster.Replication.Streams;

/// <summary>
/// Positions a writer took from the stream's sequence. Write rows at (some of) them inside a
/// transaction, then after the commit call <see cref="Complete"/> with the rows written; after
/// a rollback call <see cref="Abandon"/> (disposing does that too). Until then the writer's
/// position stays below the lowest of them.
/// </summary>
public sealed class StreamAllocation<TRow> : IDisposable
{
    private readonly IAllocationOwner<TRow> _owner;
    private readonly HashSet<long> _positionSet;
    private int _finished;

    internal StreamAllocation(IAllocationOwner<TRow> owner, int writerId, IReadOnlyList<long> positions)
    {
        _owner = owner;
        WriterId = writerId;
        Positions = positions;
        _positionSet = [.. positions];
    }

    public int WriterId { get; }

    /// <summary>The allocated positions, ascending; not necessarily contiguous.</summary>
    public IReadOnlyList<long> Positions { get; }

    public bool IsFinished => Volatile.Read(ref _finished) != 0;

    /// <summary>The recorded span the positions were taken in (default when none): the rows' announcement carries it.</summary>
    internal ActivityContext Trace { get; init; }

    /// <summary>Per row, when the rows come from several callers' spans (group commit); overrides <see cref="Trace"/>.</summary>
    internal IReadOnlyList<ActivityContext>? RowTraces { get; set; }

    internal ActivityContext TraceOf(int row, int rowCount) =>
        RowTraces is { } traces && traces.Count == rowCount ? traces[row] : Trace;

    /// <summary>Pairs the positions with row data, in order: one row per position.</summary>
    public IReadOnlyList<StreamRow<TRow>> Rows(IReadOnlyList<TRow> data)
    {
        if (data.Count > Positions.Count)
            throw new ArgumentException($"{data.Count} rows for {Positions.Count} positions.", nameof(data));
        var rows = new StreamRow<TRow>[data.Count];
        for (var i = 0; i < rows.Length; i++)
            rows[i] = new StreamRow<TRow>(Positions[i], WriterId, data[i]);
        return rows;
    }

    /// <summary>
    /// The transaction committed these rows (a subset of the positions; unused positions are
    /// gaps). They are announced as soon as nothing this writer allocated below them is pending.
    /// </summary>
    public void Complete(IReadOnlyList<StreamRow<TRow>> committedRows)
    {
        string? problem = null;
        foreach (var row in committedRows)
        {
            if (!_positionSet.Contains(row.Position))
                problem = $"Position {row.Position} is not part of this allocation.";
            else if (row.WriterId != WriterId)
                problem = $"Row at {row.Position} names writer {row.WriterId}, not {WriterId}.";
        }
        if (problem is not null)
        {
            // Something did commit, we cannot trust the list of what: readers must read the database.
            CompleteWithUnknownOutcome();
            throw new ArgumentException(problem, nameof(committedRows));
        }
        Finish();
        _owner.Complete(this, committedRows);
    }

    /// <summary>
    /// The commit's outcome is unknown (the connection broke during COMMIT): the rows may or
    /// may not exist, so readers are told to read this range from the database.
    /// </summary>
    public void CompleteWithUnknownOutcome()
    {
        Finish();
        _owner.CompleteUnknown(this);
    }

    /// <summary>The transaction rolled back: these positions will never hold rows.</summary>
    public void Abandon()
    {
        Finish();
        _owner.Abandon(this);
    }

    public void Dispose()
    {
        if (!IsFinished)
            Abandon();
    }

    private void Finish()
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
            throw new InvalidOperationException("This allocation was already completed or abandoned.");
    }
}

internal interface IAllocationOwner<TRow>
{
    void Complete(StreamAllocation<TRow> allocation, IReadOnlyList<StreamRow<TRow>> rows);
    void CompleteUnknown(StreamAllocation<TRow> allocation);
    void Abandon(StreamAllocation<TRow> allocation);
}
