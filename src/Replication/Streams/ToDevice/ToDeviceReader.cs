using System.Text.Json.Nodes;
using Cluster.Replication.Hosting;
using Cluster.Replication.Streams.Common;
using Cluster.Replication.Tokens;
using Npgsql;

namespace Cluster.Replication.Streams.ToDevice;

/// <summary>A to-device message as /sync lists it.</summary>
public sealed record ToDeviceMessage(string Sender, string Type, byte[] Content)
{
    public JsonObject ToEvent() => new() { ["sender"] = Sender, ["type"] = Type, ["content"] = JsonNode.Parse(Content) };
}

/// <summary>
/// Messages for one device after a token, and where the next token stands: <see cref="Next"/>
/// covers exactly what was returned (and everything older), so a limited batch continues in the
/// next sync.
/// </summary>
public sealed record ToDeviceBatch(IReadOnlyList<ToDeviceMessage> Messages, StreamPositionVector Next, bool Limited);

/// <summary>
/// What /sync needs of the to-device stream: a device's pending messages in order of arrival,
/// and their deletion once the device has acknowledged them by syncing with a later token.
/// </summary>
public sealed class ToDeviceReader(StreamHost<ToDeviceRow> stream, NpgsqlDataSource dataSource)
{
    /// <summary>The spec recommends at most 100 messages per /sync response.</summary>
    public const int DefaultLimit = 100;

    /// <summary>How far this process has followed the stream (the upper bound for <see cref="GetMessagesAsync"/>).</summary>
    public StreamPositionVector Position => stream.Follower.Positions;

    /// <summary>
    /// Messages for the device that <paramref name="upTo"/> covers and <paramref name="since"/>
    /// does not, oldest first, at most <paramref name="limit"/>. <see cref="ToDeviceBatch.Next"/>
    /// is the to_device field of the next /sync token.
    /// </summary>
    public async Task<ToDeviceBatch> GetMessagesAsync(
        string userId, string deviceId, StreamPositionVector since, StreamPositionVector upTo, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        if (upTo.IsBeforeOrEqual(since))
            return new ToDeviceBatch([], since, Limited: false);
        await using var command = dataSource.CreateCommand();
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(deviceId);
        command.Parameters.AddWithValue(limit + 1);
        var range = PositionRange.Between(command.Parameters, "t.stream_id", "t.instance_id", since, upTo);
        command.CommandText =
            "SELECT t.stream_id, t.sender, t.type, t.content FROM to_device_stream t " +
            $"WHERE t.user_id = $1 AND t.device_id = $2 AND {range} ORDER BY t.stream_id LIMIT $3";
        var messages = new List<ToDeviceMessage>();
        long last = 0;
        var limited = false;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (messages.Count == limit)
                {
                    limited = true;
                    break;
                }
                last = reader.GetInt64(0);
                messages.Add(new ToDeviceMessage(reader.GetString(1), reader.GetString(2), reader.GetFieldValue<byte[]>(3)));
            }
        }
        var next = limited ? PositionRange.Truncate(since, upTo, last) : StreamPositionVector.Max(since, upTo);
        return new ToDeviceBatch(messages, next, limited);
    }

    /// <summary>
    /// The device has received everything <paramref name="acknowledged"/> covers (it synced with
    /// a token holding it): those messages are deleted. Returns how many.
    /// </summary>
    public async Task<int> DeleteAcknowledgedAsync(
        string userId, string deviceId, StreamPositionVector acknowledged, CancellationToken cancellationToken)
    {
        if (acknowledged.Maximum == 0)
            return 0;
        await using var command = dataSource.CreateCommand();
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(deviceId);
        command.Parameters.AddWithValue(acknowledged.Maximum);
        var covered = PositionRange.Covered(command.Parameters, "t.stream_id", "t.instance_id", acknowledged);
        command.CommandText =
            $"DELETE FROM to_device_stream t WHERE t.user_id = $1 AND t.device_id = $2 AND t.stream_id <= $3 AND {covered}";
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a device's whole inbox (the device was deleted).</summary>
    public async Task<int> DeleteInboxAsync(string userId, string deviceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM to_device_stream WHERE user_id = $1 AND device_id = $2");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(deviceId);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
