using System.Buffers;
using Cluster.Replication.Bus;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Replication.Streams.ToDevice;

/// <summary>
/// A message for one device. <see cref="Content"/> (compact JSON) is set only on the way in:
/// the stream tells followers whose inbox moved; the recipient's /sync reads the message from
/// the table, so contents never travel the bus.
/// </summary>
public sealed record ToDeviceRow(string UserId, string DeviceId, string Sender, string Type, byte[]? Content = null);

/// <summary>The to-device stream ("to_device", table to_device_stream, migration 0006).</summary>
public sealed class ToDeviceStream() : StreamDefinition<ToDeviceRow>(StreamName, "to_device_stream")
{
    public const string StreamName = "to_device";

    public static ToDeviceStream Instance { get; } = new();

    public override string DataColumns => "t.user_id, t.device_id, t.sender, t.type";

    public override ToDeviceRow ReadRow(NpgsqlDataReader reader, int firstOrdinal) =>
        new(reader.GetString(firstOrdinal), reader.GetString(firstOrdinal + 1), reader.GetString(firstOrdinal + 2),
            reader.GetString(firstOrdinal + 3));

    public override async Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StreamRow<ToDeviceRow>> rows,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in CreateInsertCommands(rows))
            batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override IReadOnlyList<NpgsqlBatchCommand> CreateInsertCommands(IReadOnlyList<StreamRow<ToDeviceRow>> rows)
    {
        if (rows.Any(r => r.Data.Content is null))
            throw new ArgumentException("To-device rows are written with their content.", nameof(rows));
        var commands = new List<NpgsqlBatchCommand>(rows.Count);
        foreach (var row in rows)
        {
            var command = new NpgsqlBatchCommand(
                "INSERT INTO to_device_stream (stream_id, instance_id, user_id, device_id, sender, type, content) " +
                "VALUES ($1, $2, $3, $4, $5, $6, $7)");
            command.Parameters.AddWithValue(row.Position);
            command.Parameters.AddWithValue(row.WriterId);
            command.Parameters.AddWithValue(row.Data.UserId);
            command.Parameters.AddWithValue(row.Data.DeviceId);
            command.Parameters.AddWithValue(row.Data.Sender);
            command.Parameters.AddWithValue(row.Data.Type);
            command.Parameters.Add(new NpgsqlParameter { Value = row.Data.Content!, NpgsqlDbType = NpgsqlDbType.Bytea });
            commands.Add(command);
        }
        return commands;
    }

    public override void Encode(ToDeviceRow row, IBufferWriter<byte> output)
    {
        output.WriteString(row.UserId);
        output.WriteString(row.DeviceId);
        output.WriteString(row.Sender);
        output.WriteString(row.Type);
    }

    public override ToDeviceRow Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var row = new ToDeviceRow(reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadString());
        reader.ExpectEnd();
        return row;
    }
}
