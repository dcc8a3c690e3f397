using System.Buffers;
using Cluster.Replication.Bus;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Replication.Streams.Receipts;

/// <summary>
/// One receipt: <see cref="UserId"/> has read up to <see cref="EventId"/> in the room.
/// <see cref="ThreadId"/> is null for an unthreaded receipt, else "main" or a thread root.
/// </summary>
public sealed record ReceiptRow(string RoomId, string ReceiptType, string UserId, string? ThreadId, string EventId, long Ts);

/// <summary>Receipt types that the receipts stream carries.</summary>
public static class ReceiptTypes
{
    public const string Read = "m.read";

    /// <summary>Only ever shown to the user who sent it.</summary>
    public const string ReadPrivate = "m.read.private";

    /// <summary>The read marker: room account data, accepted by the receipt endpoint as a shortcut.</summary>
    public const string FullyRead = "m.fully_read";
}

/// <summary>
/// The receipts stream ("receipts", table receipts_stream, migration 0006). Inserting a row also
/// updates <c>receipts</c>, the latest receipt per (room, type, user, thread), in the same
/// transaction; of two rows for one key the higher position wins there, whatever the commit order.
/// </summary>
public sealed class ReceiptsStream() : StreamDefinition<ReceiptRow>(StreamName, "receipts_stream")
{
    public const string StreamName = "receipts";

    public static ReceiptsStream Instance { get; } = new();

    public override string DataColumns => "t.room_id, t.receipt_type, t.user_id, t.thread_id, t.event_id, t.ts";

    public override ReceiptRow ReadRow(NpgsqlDataReader reader, int firstOrdinal) =>
        new(reader.GetString(firstOrdinal), reader.GetString(firstOrdinal + 1), reader.GetString(firstOrdinal + 2),
            reader.IsDBNull(firstOrdinal + 3) ? null : reader.GetString(firstOrdinal + 3),
            reader.GetString(firstOrdinal + 4), reader.GetInt64(firstOrdinal + 5));

    public override async Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StreamRow<ReceiptRow>> rows,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in CreateInsertCommands(rows))
            batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override IReadOnlyList<NpgsqlBatchCommand> CreateInsertCommands(IReadOnlyList<StreamRow<ReceiptRow>> rows)
    {
        var insert = new NpgsqlBatchCommand(
            "INSERT INTO receipts_stream (stream_id, instance_id, room_id, receipt_type, user_id, thread_id, event_id, ts) " +
            "SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])");
        AddColumns(insert, rows, threadAsEmpty: false);
        // DISTINCT ON keeps one row per key should a batch hold two (ON CONFLICT refuses to touch a row twice).
        var latest = new NpgsqlBatchCommand(
            "INSERT INTO receipts (stream_id, room_id, receipt_type, user_id, thread_id, event_id, ts) " +
            "SELECT DISTINCT ON (r, k, u, th) s, r, k, u, th, e, ts " +
            "FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[]) " +
            "AS x(s, w, r, k, u, th, e, ts) ORDER BY r, k, u, th, s DESC " +
            "ON CONFLICT (room_id, receipt_type, user_id, thread_id) DO UPDATE " +
            "SET event_id = EXCLUDED.event_id, ts = EXCLUDED.ts, stream_id = EXCLUDED.stream_id " +
            "WHERE receipts.stream_id < EXCLUDED.stream_id");
        AddColumns(latest, rows, threadAsEmpty: true);
        return [insert, latest];
    }

    private static void AddColumns(NpgsqlBatchCommand command, IReadOnlyList<StreamRow<ReceiptRow>> rows, bool threadAsEmpty)
    {
        command.Parameters.Add(Array(rows.Select(r => r.Position).ToArray(), NpgsqlDbType.Bigint));
        command.Parameters.Add(Array(rows.Select(r => r.WriterId).ToArray(), NpgsqlDbType.Integer));
        command.Parameters.Add(Array(rows.Select(r => r.Data.RoomId).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(rows.Select(r => r.Data.ReceiptType).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(rows.Select(r => r.Data.UserId).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(rows.Select(r => threadAsEmpty ? r.Data.ThreadId ?? "" : r.Data.ThreadId).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(rows.Select(r => r.Data.EventId).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(rows.Select(r => r.Data.Ts).ToArray(), NpgsqlDbType.Bigint));
    }

    public override void Encode(ReceiptRow row, IBufferWriter<byte> output)
    {
        output.WriteString(row.RoomId);
        output.WriteString(row.ReceiptType);
        output.WriteString(row.UserId);
        output.WriteNullableString(row.ThreadId);
        output.WriteString(row.EventId);
        output.WriteInt64(row.Ts);
    }

    public override ReceiptRow Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var row = new ReceiptRow(reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadNullableString(),
            reader.ReadString(), reader.ReadInt64());
        reader.ExpectEnd();
        return row;
    }

    private static NpgsqlParameter Array(Array values, NpgsqlDbType type) =>
        new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type };
}
