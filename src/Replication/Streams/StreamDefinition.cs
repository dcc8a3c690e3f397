using System.Buffers;
using System.Text.RegularExpressions;
using Npgsql;

namespace Cluster.Replication.Streams;

/// <summary>
/// Describes one stream: its name (and so its sequence <c>&lt;name&gt;_stream_seq</c>), the table
/// its rows live in, and how a row is read from and written to PostgreSQL and the bus.
/// The table has a <c>bigint</c> position column (<see cref="PositionColumn"/>, stream_id unless
/// the table says otherwise) and an <c>instance_id integer</c> writer column, best indexed for
/// "this writer's rows in a position range".
/// </summary>
public abstract partial class StreamDefinition<TRow>
{
    protected StreamDefinition(string name, string tableName, string positionColumn = "stream_id")
    {
        Name = RequireIdentifier(name, nameof(name));
        TableName = RequireIdentifier(tableName, nameof(tableName));
        PositionColumn = RequireIdentifier(positionColumn, nameof(positionColumn));
    }

    public string Name { get; }
    public string TableName { get; }
    public string PositionColumn { get; }
    public string SequenceName => Name + "_stream_seq";

    /// <summary>The columns (of table alias <c>t</c>), after the position and instance_id, that <see cref="ReadRow"/> reads, comma separated.</summary>
    public abstract string DataColumns { get; }

    /// <summary>Reads the data columns starting at <paramref name="firstOrdinal"/>.</summary>
    public abstract TRow ReadRow(NpgsqlDataReader reader, int firstOrdinal);

    /// <summary>Inserts the rows (positions already allocated) inside the caller's transaction.</summary>
    public abstract Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StreamRow<TRow>> rows,
        CancellationToken cancellationToken);

    /// <summary>
    /// The insert as batch commands (no connection or transaction set), if it can be: a writer
    /// then sends them in one batch, which PostgreSQL commits as one implicit transaction,
    /// saving the separate COMMIT round trip. Null (the default) makes the writer call
    /// <see cref="InsertAsync"/> inside an explicit transaction instead.
    /// </summary>
    public virtual IReadOnlyList<NpgsqlBatchCommand>? CreateInsertCommands(IReadOnlyList<StreamRow<TRow>> rows) => null;

    /// <summary>The row's bus payload.</summary>
    public abstract void Encode(TRow row, IBufferWriter<byte> output);

    /// <summary>Reads a payload written by <see cref="Encode"/>; throws <see cref="Bus.ReplicationFormatException"/> if malformed.</summary>
    public abstract TRow Decode(ReadOnlySpan<byte> payload);

    // Names are spliced into SQL (sequence and table names cannot be parameters), so only
    // plain lower-case identifiers are accepted.
    private static string RequireIdentifier(string value, string parameter) =>
        IdentifierPattern().IsMatch(value)
            ? value
            : throw new ArgumentException($"'{value}' is not a plain SQL identifier ([a-z_][a-z0-9_]*).", parameter);

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,40}$")]
    private static partial Regex IdentifierPattern();
}
