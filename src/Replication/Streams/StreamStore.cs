using Npgsql;
using Cluster.Replication.Tokens;
using NpgsqlTypes;

namespace Cluster.Replication.Streams;

/// <summary>
/// A stream's rows and positions as PostgreSQL holds them: the source of truth readers catch
/// up from, and the "rows between two tokens" query.
/// </summary>
public sealed class StreamStore<TRow>
{
    private readonly StreamDefinition<TRow> _definition;
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _writerRowsSql;
    private readonly string _betweenSql;
    private readonly string _committedMaximaSql;

    public StreamStore(StreamDefinition<TRow> definition, NpgsqlDataSource dataSource)
    {
        _definition = definition;
        _dataSource = dataSource;
        var position = "t." + definition.PositionColumn;
        var columns = $"{position}, t.instance_id, {definition.DataColumns}";
        _writerRowsSql =
            $"SELECT {columns} FROM {definition.TableName} t " +
            $"WHERE t.instance_id = $1 AND {position} > $2 AND {position} <= $3 ORDER BY {position} LIMIT $4";
        // A writer listed in neither vector is at each vector's floor; the outer bounds let the
        // primary key index narrow the scan before the per-writer bounds apply.
        _betweenSql =
            $"SELECT {columns} FROM {definition.TableName} t " +
            "LEFT JOIN unnest($1::integer[], $2::bigint[]) AS low(writer, position) ON low.writer = t.instance_id " +
            "LEFT JOIN unnest($3::integer[], $4::bigint[]) AS high(writer, position) ON high.writer = t.instance_id " +
            $"WHERE {position} > GREATEST($5, $9) AND {position} <= $6 " +
            $"AND {position} > COALESCE(low.position, $5) AND {position} <= COALESCE(high.position, $7) " +
            $"ORDER BY {position} LIMIT $8";
        _committedMaximaSql =
            $"SELECT t.instance_id, max({position}) FROM {definition.TableName} t WHERE {position} > $1 GROUP BY t.instance_id";
    }

    public StreamDefinition<TRow> Definition => _definition;

    /// <summary>Every registered writer's persisted position (stream_positions).</summary>
    public async Task<IReadOnlyDictionary<int, long>> ReadPersistedPositionsAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT instance_id, stream_id FROM stream_positions WHERE stream_name = $1");
        command.Parameters.AddWithValue(_definition.Name);
        var positions = new Dictionary<int, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            positions[reader.GetInt32(0)] = reader.GetInt64(1);
        return positions;
    }

    /// <summary>
    /// The highest value the stream's sequence has handed out (0 when none). Assumes the
    /// default CACHE 1: with a session cache, values above this could still be pending.
    /// </summary>
    public async Task<long> ReadHandedOutAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            $"SELECT last_value, is_called FROM {_definition.SequenceName}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            throw new InvalidOperationException($"Sequence {_definition.SequenceName} returned no row.");
        var last = reader.GetInt64(0);
        return reader.GetBoolean(1) ? last : Math.Max(0, last - 1);
    }

    /// <summary>
    /// Per writer, its highest committed row above <paramref name="after"/>: a query for a batch
    /// (see <see cref="ReadCommittedMaxima"/>). Rows are committed before they are announced, so a
    /// follower that has not applied these yet will, from the bus or a catch-up; only waiting for
    /// it is safe (a lower position of the same writer may still be in flight).
    /// </summary>
    public NpgsqlBatchCommand CommittedMaximaCommand(long after)
    {
        var command = new NpgsqlBatchCommand(_committedMaximaSql);
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        return command;
    }

    /// <summary>Reads one result set of <see cref="CommittedMaximaCommand"/>.</summary>
    public static async Task<IReadOnlyDictionary<int, long>> ReadCommittedMaxima(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var maxima = new Dictionary<int, long>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            maxima[reader.GetInt32(0)] = reader.GetInt64(1);
        return maxima;
    }

    /// <summary>One writer's rows in (<paramref name="after"/>, <paramref name="upTo"/>], ascending, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<StreamRow<TRow>>> ReadWriterRowsAsync(
        int writerId, long after, long upTo, int limit, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_writerRowsSql);
        command.Parameters.AddWithValue(writerId);
        command.Parameters.AddWithValue(after);
        command.Parameters.AddWithValue(upTo);
        command.Parameters.AddWithValue(limit);
        return await ReadRowsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every row that <paramref name="to"/> includes and <paramref name="from"/> does not:
    /// writer w's rows with from[w] &lt; position &lt;= to[w], ascending by position. Each row
    /// appears in exactly one of the ranges between consecutive tokens, however the writers'
    /// commits interleaved, provided both tokens were persisted positions. To page, pass the
    /// last position returned as <paramref name="resumeAfter"/>.
    /// </summary>
    public async Task<IReadOnlyList<StreamRow<TRow>>> ReadRowsBetweenAsync(
        StreamPositionVector from, StreamPositionVector to, int limit, CancellationToken cancellationToken, long resumeAfter = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var command = _dataSource.CreateCommand(_betweenSql);
        AddWriters(command, from);
        AddWriters(command, to);
        command.Parameters.AddWithValue(from.Minimum);
        command.Parameters.AddWithValue(to.Maximum);
        command.Parameters.AddWithValue(to.Minimum);
        command.Parameters.AddWithValue(limit);
        command.Parameters.AddWithValue(resumeAfter);
        return await ReadRowsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private static void AddWriters(NpgsqlCommand command, StreamPositionVector vector)
    {
        var ahead = vector.WritersAhead;
        var writers = new int[ahead.Length];
        var positions = new long[ahead.Length];
        for (var i = 0; i < ahead.Length; i++)
            (writers[i], positions[i]) = (ahead[i].WriterId, ahead[i].Position);
        command.Parameters.Add(new NpgsqlParameter { Value = writers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = positions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
    }

    private async Task<IReadOnlyList<StreamRow<TRow>>> ReadRowsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<StreamRow<TRow>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            rows.Add(new StreamRow<TRow>(reader.GetInt64(0), reader.GetInt32(1), _definition.ReadRow(reader, 2)));
        return rows;
    }
}
