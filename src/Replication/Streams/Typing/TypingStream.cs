using System.Buffers;
using Cluster.Replication.Bus;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Replication.Streams.Typing;

/// <summary>
/// A change of one user's typing in one room: started (or still typing) until
/// <see cref="ExpiresAtMs"/>, or stopped (by request or because the timeout ran out).
/// </summary>
public sealed record TypingRow(string RoomId, string UserId, bool Typing, long ExpiresAtMs);

/// <summary>The typing stream ("typing", table typing_stream, migration 0006).</summary>
public sealed class TypingStream() : StreamDefinition<TypingRow>(StreamName, "typing_stream")
{
    public const string StreamName = "typing";

    public static TypingStream Instance { get; } = new();

    public override string DataColumns => "t.room_id, t.user_id, t.typing, t.expires_at_ms";

    public override TypingRow ReadRow(NpgsqlDataReader reader, int firstOrdinal) =>
        new(reader.GetString(firstOrdinal), reader.GetString(firstOrdinal + 1),
            reader.GetBoolean(firstOrdinal + 2), reader.GetInt64(firstOrdinal + 3));

    public override async Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StreamRow<TypingRow>> rows,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in CreateInsertCommands(rows))
            batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override IReadOnlyList<NpgsqlBatchCommand> CreateInsertCommands(IReadOnlyList<StreamRow<TypingRow>> rows)
    {
        var command = new NpgsqlBatchCommand(
            "INSERT INTO typing_stream (stream_id, instance_id, room_id, user_id, typing, expires_at_ms) " +
            "SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::boolean[], $6::bigint[])");
        command.Parameters.Add(Array(rows.Select(r => r.Position), NpgsqlDbType.Bigint));
        command.Parameters.Add(Array(rows.Select(r => r.WriterId), NpgsqlDbType.Integer));
        command.Parameters.Add(Array(rows.Select(r => r.Data.RoomId), NpgsqlDbType.Text));
        command.Parameters.Add(Array(rows.Select(r => r.Data.UserId), NpgsqlDbType.Text));
        command.Parameters.Add(Array(rows.Select(r => r.Data.Typing), NpgsqlDbType.Boolean));
        command.Parameters.Add(Array(rows.Select(r => r.Data.ExpiresAtMs), NpgsqlDbType.Bigint));
        return [command];
    }

    public override void Encode(TypingRow row, IBufferWriter<byte> output)
    {
        output.WriteString(row.RoomId);
        output.WriteString(row.UserId);
        output.WriteByte(row.Typing ? (byte)1 : (byte)0);
        output.WriteInt64(row.ExpiresAtMs);
    }

    public override TypingRow Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var row = new TypingRow(reader.ReadString(), reader.ReadString(), reader.ReadByte() switch
        {
            0 => false,
            1 => true,
            var b => throw new ReplicationFormatException($"Typing flag {b} is neither 0 nor 1."),
        }, reader.ReadInt64());
        reader.ExpectEnd();
        return row;
    }

    private static NpgsqlParameter Array<T>(IEnumerable<T> values, NpgsqlDbType type) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | type };
}
