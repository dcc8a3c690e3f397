using System.Buffers;
using Cluster.Replication.Bus;
using Cluster.Replication.Streams;
using Npgsql;

namespace Cluster.Replication.Caches;

/// <summary>
/// The cache invalidation stream ("caches", table cache_invalidation_stream, migration 0003).
/// Its order only matters per writer: readers drop entries as invalidations arrive.
/// </summary>
public sealed class CacheInvalidationStream() : StreamDefinition<CacheInvalidation>("caches", "cache_invalidation_stream")
{
    public static CacheInvalidationStream Instance { get; } = new();

    public override string DataColumns => "t.cache_name, t.keys";

    public override CacheInvalidation ReadRow(NpgsqlDataReader reader, int firstOrdinal) =>
        new(reader.GetString(firstOrdinal),
            reader.IsDBNull(firstOrdinal + 1) ? null : reader.GetFieldValue<string[]>(firstOrdinal + 1));

    public override async Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StreamRow<CacheInvalidation>> rows,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var row in rows)
        {
            var command = new NpgsqlBatchCommand(
                "INSERT INTO cache_invalidation_stream (stream_id, instance_id, cache_name, keys) VALUES ($1, $2, $3, $4)");
            command.Parameters.AddWithValue(row.Position);
            command.Parameters.AddWithValue(row.WriterId);
            command.Parameters.AddWithValue(row.Data.CacheName);
            command.Parameters.Add(new NpgsqlParameter
            {
                Value = row.Data.Keys is null ? DBNull.Value : row.Data.Keys.ToArray(),
                NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text,
            });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Encode(CacheInvalidation row, IBufferWriter<byte> output)
    {
        output.WriteString(row.CacheName);
        if (row.Keys is null)
        {
            output.WriteInt32(-1);
            return;
        }
        output.WriteInt32(row.Keys.Count);
        foreach (var key in row.Keys)
            output.WriteString(key);
    }

    public override CacheInvalidation Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var name = reader.ReadString();
        if (name.Length == 0)
            throw new ReplicationFormatException("A cache invalidation names its cache.");
        var count = reader.ReadInt32();
        if (count < -1 || count > payload.Length / 4)
            throw new ReplicationFormatException($"Implausible key count {count}.");
        string[]? keys = null;
        if (count >= 0)
        {
            keys = new string[count];
            for (var i = 0; i < count; i++)
                keys[i] = reader.ReadString();
        }
        reader.ExpectEnd();
        return new CacheInvalidation(name, keys);
    }
}
