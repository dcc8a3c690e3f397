using Cluster.Replication.Hosting;
using Npgsql;

namespace Cluster.Replication.Streams.Common;

/// <summary>
/// A stream write that must commit together with other changes (a transaction ID recorded, a
/// user's push rules rewritten): the work runs in a transaction, decides the rows, and the rows
/// are inserted and committed in that same transaction through the stream's writer, which then
/// announces them like any <see cref="StreamWriter{TRow}.WriteAsync"/>.
/// </summary>
public static class StreamTransaction
{
    public delegate Task<IReadOnlyList<TRow>> Work<TRow>(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction and writes the rows it returns; returns them
    /// with their positions. Rows are allocated after the work, so the positions hold the writer
    /// back only for the insert and commit. No rows: the work is committed alone. An exception
    /// from the work rolls everything back.
    /// </summary>
    public static async Task<IReadOnlyList<StreamRow<TRow>>> WriteAsync<TRow>(
        StreamHost<TRow> stream, NpgsqlDataSource dataSource, Work<TRow> work, CancellationToken cancellationToken)
    {
        var writer = stream.Writer;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var data = await work(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (data.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return [];
        }
        using var allocation = await writer.AllocateAsync(data.Count, connection, cancellationToken).ConfigureAwait(false);
        var rows = allocation.Rows(data);
        await stream.Definition.InsertAsync(connection, transaction, rows, cancellationToken).ConfigureAwait(false);
        try
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Whether COMMIT took effect is unknown: readers must look in the database.
            allocation.CompleteWithUnknownOutcome();
            throw;
        }
        allocation.Complete(rows);
        return rows;
    }
}
