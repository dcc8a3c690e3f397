namespace Cluster.Shared.Storage.Events;

/// <summary>
/// A position in the events stream as a vector clock, in the terms the stores query with: every
/// writer is at <see cref="Minimum"/> except those listed, which are further. A row written by
/// writer w at position p is "at or before" the bound when p &lt;= the bound's position for w.
/// (The replication library's StreamPositionVector converts to this; storage does not depend on it.)
/// </summary>
public sealed record StreamBound(long Minimum, IReadOnlyList<(int Writer, long Position)> WritersAhead)
{
    public static StreamBound At(long position) => new(position, []);

    /// <summary>The highest position of any writer: no row beyond it is included.</summary>
    public long Maximum => WritersAhead.Count == 0 ? Minimum : Math.Max(Minimum, WritersAhead.Max(w => w.Position));

    internal int[] Writers => [.. WritersAhead.Select(w => w.Writer)];

    internal long[] Positions => [.. WritersAhead.Select(w => w.Position)];

    public long PositionOf(int writer)
    {
        foreach (var (w, position) in WritersAhead)
            if (w == writer)
                return position;
        return Minimum;
    }

    public bool Covers(int writer, long position) => position <= PositionOf(writer);

    /// <summary>
    /// SQL keeping the rows of table alias <paramref name="alias"/> (its <c>instance_id</c> and
    /// <c>stream_ordering</c>) that <paramref name="upTo"/> covers and <paramref name="after"/>
    /// (when given) does not: joins to put after the FROM clause and a condition for the WHERE
    /// clause. The plain bounds come first so an index on (key, stream_ordering) narrows the scan
    /// before the per-writer lookups. Appends its parameters to <paramref name="parameters"/>.
    /// </summary>
    internal static (string Joins, string Condition) RangeSql(
        Npgsql.NpgsqlParameterCollection parameters, string alias, StreamBound? after, StreamBound upTo)
    {
        string Add(object value)
        {
            parameters.AddWithValue(value);
            return "$" + parameters.Count;
        }
        var column = $"{alias}.stream_ordering";
        var joins = $"LEFT JOIN unnest({Add(upTo.Writers)}::integer[], {Add(upTo.Positions)}::bigint[]) AS hi(writer, position) ON hi.writer = {alias}.instance_id ";
        var condition = $"{column} <= {Add(upTo.Maximum)} AND {column} <= COALESCE(hi.position, {Add(upTo.Minimum)})";
        if (after is not null)
        {
            joins += $"LEFT JOIN unnest({Add(after.Writers)}::integer[], {Add(after.Positions)}::bigint[]) AS lo(writer, position) ON lo.writer = {alias}.instance_id ";
            var minimum = Add(after.Minimum);
            condition += $" AND {column} > {minimum} AND {column} > COALESCE(lo.position, {minimum})";
        }
        return (joins, condition);
    }
}
