using System.Buffers;
using Cluster.Replication.Bus;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Replication.Streams.PushRules;

/// <summary>The user's push rules changed; what they are now is in push_rules and push_rule_defaults.</summary>
public sealed record PushRulesRow(string UserId);

/// <summary>The push rules stream ("push_rules", table push_rules_stream, migration 0006).</summary>
public sealed class PushRulesStream() : StreamDefinition<PushRulesRow>(StreamName, "push_rules_stream")
{
    public const string StreamName = "push_rules";

    public static PushRulesStream Instance { get; } = new();

    public override string DataColumns => "t.user_id";

    public override PushRulesRow ReadRow(NpgsqlDataReader reader, int firstOrdinal) => new(reader.GetString(firstOrdinal));

    public override async Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StreamRow<PushRulesRow>> rows,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in CreateInsertCommands(rows))
            batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override IReadOnlyList<NpgsqlBatchCommand> CreateInsertCommands(IReadOnlyList<StreamRow<PushRulesRow>> rows)
    {
        var command = new NpgsqlBatchCommand(
            "INSERT INTO push_rules_stream (stream_id, instance_id, user_id) " +
            "SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[])");
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Position).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.WriterId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Data.UserId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return [command];
    }

    public override void Encode(PushRulesRow row, IBufferWriter<byte> output) => output.WriteString(row.UserId);

    public override PushRulesRow Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var row = new PushRulesRow(reader.ReadString());
        reader.ExpectEnd();
        return row;
    }
}
