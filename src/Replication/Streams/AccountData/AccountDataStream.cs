using System.Buffers;
using Cluster.Replication.Bus;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Replication.Streams.AccountData;

/// <summary>
/// A change of one user's account data of one type, global (<see cref="RoomId"/> "") or for a
/// room. <see cref="Content"/> (compact JSON) is set only on the way in: the stream itself says
/// what changed, and readers take the content from the account_data table.
/// </summary>
public sealed record AccountDataRow(string UserId, string RoomId, string Type, byte[]? Content = null)
{
    public const string Global = "";

    public bool IsGlobal => RoomId.Length == 0;
}

/// <summary>
/// The account data stream ("account_data", table account_data_stream, migration 0006).
/// Inserting a row also stores its content in account_data in the same transaction; of two
/// rows for one key the higher position wins there, whatever the commit order.
/// </summary>
public sealed class AccountDataStream() : StreamDefinition<AccountDataRow>(StreamName, "account_data_stream")
{
    public const string StreamName = "account_data";

    public static AccountDataStream Instance { get; } = new();

    public override string DataColumns => "t.user_id, t.room_id, t.type";

    public override AccountDataRow ReadRow(NpgsqlDataReader reader, int firstOrdinal) =>
        new(reader.GetString(firstOrdinal), reader.GetString(firstOrdinal + 1), reader.GetString(firstOrdinal + 2));

    public override async Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StreamRow<AccountDataRow>> rows,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in CreateInsertCommands(rows))
            batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override IReadOnlyList<NpgsqlBatchCommand> CreateInsertCommands(IReadOnlyList<StreamRow<AccountDataRow>> rows)
    {
        if (rows.Any(r => r.Data.Content is null))
            throw new ArgumentException("Account data rows are written with their content.", nameof(rows));
        var insert = new NpgsqlBatchCommand(
            "INSERT INTO account_data_stream (stream_id, instance_id, user_id, room_id, type) " +
            "SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::text[])");
        insert.Parameters.Add(Array(rows.Select(r => r.Position).ToArray(), NpgsqlDbType.Bigint));
        insert.Parameters.Add(Array(rows.Select(r => r.WriterId).ToArray(), NpgsqlDbType.Integer));
        insert.Parameters.Add(Array(rows.Select(r => r.Data.UserId).ToArray(), NpgsqlDbType.Text));
        insert.Parameters.Add(Array(rows.Select(r => r.Data.RoomId).ToArray(), NpgsqlDbType.Text));
        insert.Parameters.Add(Array(rows.Select(r => r.Data.Type).ToArray(), NpgsqlDbType.Text));
        var commands = new List<NpgsqlBatchCommand> { insert };
        // One upsert per row: bytea arrays would have to be unnested too, and a batch of account
        // data is a handful of rows. Each upsert leaves a newer position's content in place.
        foreach (var row in rows)
        {
            var upsert = new NpgsqlBatchCommand(
                "INSERT INTO account_data (user_id, room_id, type, content, stream_id) VALUES ($1, $2, $3, $4, $5) " +
                "ON CONFLICT (user_id, room_id, type) DO UPDATE SET content = EXCLUDED.content, stream_id = EXCLUDED.stream_id " +
                "WHERE account_data.stream_id < EXCLUDED.stream_id");
            upsert.Parameters.AddWithValue(row.Data.UserId);
            upsert.Parameters.AddWithValue(row.Data.RoomId);
            upsert.Parameters.AddWithValue(row.Data.Type);
            upsert.Parameters.Add(new NpgsqlParameter { Value = row.Data.Content!, NpgsqlDbType = NpgsqlDbType.Bytea });
            upsert.Parameters.AddWithValue(row.Position);
            commands.Add(upsert);
        }
        return commands;
    }

    public override void Encode(AccountDataRow row, IBufferWriter<byte> output)
    {
        output.WriteString(row.UserId);
        output.WriteString(row.RoomId);
        output.WriteString(row.Type);
    }

    public override AccountDataRow Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var row = new AccountDataRow(reader.ReadString(), reader.ReadString(), reader.ReadString());
        reader.ExpectEnd();
        return row;
    }

    private static NpgsqlParameter Array(Array values, NpgsqlDbType type) =>
        new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type };
}
