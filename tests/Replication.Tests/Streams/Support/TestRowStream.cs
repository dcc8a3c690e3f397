using System.Buffers;
using System.Text;
using Cluster.Replication.Bus;
using Cluster.Replication.Streams;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Replication.Tests.Streams.Support;

/// <summary>A stream of short strings in its own table, for exercising the stream machinery.</summary>
public sealed class TestRowStream() : StreamDefinition<string>("test_rows", "test_rows_stream")
{
    public static TestRowStream Instance { get; } = new();

    public const string Schema = """
        CREATE SEQUENCE test_rows_stream_seq;
        CREATE TABLE test_rows_stream (
            stream_id   bigint  NOT NULL PRIMARY KEY,
            instance_id integer NOT NULL REFERENCES instances,
            body        text    NOT NULL);
        CREATE INDEX test_rows_stream_writer ON test_rows_stream (instance_id, stream_id);
        """;

    public override string DataColumns => "t.body";

    public override string ReadRow(NpgsqlDataReader reader, int firstOrdinal) => reader.GetString(firstOrdinal);

    public override async Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StreamRow<string>> rows,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO test_rows_stream (stream_id, instance_id, body) SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[])",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Position).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.WriterId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Data).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override IReadOnlyList<NpgsqlBatchCommand> CreateInsertCommands(IReadOnlyList<StreamRow<string>> rows)
    {
        var command = new NpgsqlBatchCommand(
            "INSERT INTO test_rows_stream (stream_id, instance_id, body) SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[])");
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Position).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.WriterId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Data).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return [command];
    }

    public override void Encode(string row, IBufferWriter<byte> output) => output.WriteString(row);

    public override string Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var body = reader.ReadString();
        reader.ExpectEnd();
        return body;
    }
}
