using Cluster.Replication.Tokens;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Replication.Streams.Common;

/// <summary>
/// SQL conditions on a stream table's (position, writer) columns against position vectors, for
/// reader queries that also filter on their own keys (a user, a device, a set of rooms), which
/// <see cref="StreamStore{TRow}.ReadRowsBetweenAsync"/> cannot. A row of writer w at position p
/// is covered by a vector v when p &lt;= v[w], v[w] being the minimum for writers not listed.
/// </summary>
public static class PositionRange
{
    /// <summary>
    /// Rows that <paramref name="to"/> covers and <paramref name="from"/> does not. The plain
    /// bounds come first so an index on (key, position) narrows the scan before the per-writer
    /// lookups run.
    /// </summary>
    public static string Between(
        NpgsqlParameterCollection parameters, string position, string writer,
        StreamPositionVector from, StreamPositionVector to)
    {
        var low = Add(parameters, from.Minimum);
        var high = Add(parameters, to.Maximum);
        return $"({position} > {low} AND {position} <= {high} " +
            $"AND NOT {Covered(parameters, position, writer, from)} AND {Covered(parameters, position, writer, to)})";
    }

    /// <summary>Rows that <paramref name="vector"/> covers.</summary>
    public static string Covered(NpgsqlParameterCollection parameters, string position, string writer, StreamPositionVector vector)
    {
        var ahead = vector.WritersAhead;
        var writers = new int[ahead.Length];
        var positions = new long[ahead.Length];
        for (var i = 0; i < ahead.Length; i++)
            (writers[i], positions[i]) = (ahead[i].WriterId, ahead[i].Position);
        var writersParameter = Add(parameters, writers, NpgsqlDbType.Array | NpgsqlDbType.Integer);
        var positionsParameter = Add(parameters, positions, NpgsqlDbType.Array | NpgsqlDbType.Bigint);
        var minimum = Add(parameters, vector.Minimum);
        return $"({position} <= COALESCE((SELECT v.p FROM unnest({writersParameter}::integer[], {positionsParameter}::bigint[]) AS v(w, p) " +
            $"WHERE v.w = {writer}), {minimum}))";
    }

    /// <summary>
    /// The vector a reader hands out after serving rows up to <paramref name="lastServed"/> of
    /// a query ordered by position that stopped at a limit: every writer's position in
    /// <paramref name="current"/>, capped at <paramref name="lastServed"/>, but never behind
    /// <paramref name="since"/> (rows it covers were served before).
    /// </summary>
    public static StreamPositionVector Truncate(StreamPositionVector since, StreamPositionVector current, long lastServed) =>
        StreamPositionVector.Max(since, StreamPositionVector.Min(current, StreamPositionVector.At(lastServed)));

    private static string Add(NpgsqlParameterCollection parameters, long value)
    {
        parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlDbType.Bigint });
        return "$" + parameters.Count;
    }

    private static string Add(NpgsqlParameterCollection parameters, object value, NpgsqlDbType type)
    {
        parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });
        return "$" + parameters.Count;
    }
}
