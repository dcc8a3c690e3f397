using System.Text.Json.Nodes;
using Cluster.Replication.Hosting;
using Cluster.Replication.Streams.Common;
using Cluster.Replication.Tokens;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Replication.Streams.Receipts;

/// <summary>
/// What /sync needs of the receipts stream: m.receipt ephemeral events per room, for an initial
/// sync (the latest receipts) and an incremental one (the receipts sent between two tokens),
/// with m.read.private receipts shown to their own user only.
/// </summary>
public sealed class ReceiptsReader(StreamHost<ReceiptRow> stream, NpgsqlDataSource dataSource)
{
    /// <summary>The receipts field of the next /sync token.</summary>
    public StreamPositionVector Position => stream.Follower.Positions;

    /// <summary>
    /// Initial sync: the latest receipts of each of <paramref name="roomIds"/>, as m.receipt
    /// events (rooms without receipts are left out; a room has more than one event only when a
    /// user's receipts of one type for one event differ by thread).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<JsonObject>>> GetLatestAsync(
        IReadOnlyCollection<string> roomIds, string forUserId, CancellationToken cancellationToken)
    {
        if (roomIds.Count == 0)
            return new Dictionary<string, IReadOnlyList<JsonObject>>();
        await using var command = dataSource.CreateCommand(
            "SELECT room_id, receipt_type, user_id, NULLIF(thread_id, ''), event_id, ts FROM receipts " +
            "WHERE room_id = ANY($1) AND (receipt_type <> $2 OR user_id = $3) ORDER BY stream_id");
        command.Parameters.Add(new NpgsqlParameter { Value = roomIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.AddWithValue(ReceiptTypes.ReadPrivate);
        command.Parameters.AddWithValue(forUserId);
        return ReceiptEvents.ByRoom(await ReadAsync(command, cancellationToken));
    }

    /// <summary>
    /// Incremental sync: the receipts of <paramref name="roomIds"/> that <paramref name="to"/>
    /// covers and <paramref name="from"/> does not, as m.receipt events per room; for each user,
    /// type and thread only the latest in the range.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<JsonObject>>> GetBetweenAsync(
        IReadOnlyCollection<string> roomIds, StreamPositionVector from, StreamPositionVector to, string forUserId,
        CancellationToken cancellationToken)
    {
        if (roomIds.Count == 0 || to.IsBeforeOrEqual(from))
            return new Dictionary<string, IReadOnlyList<JsonObject>>();
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter { Value = roomIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.AddWithValue(ReceiptTypes.ReadPrivate);
        command.Parameters.AddWithValue(forUserId);
        var range = PositionRange.Between(command.Parameters, "t.stream_id", "t.instance_id", from, to);
        command.CommandText =
            "SELECT t.room_id, t.receipt_type, t.user_id, t.thread_id, t.event_id, t.ts FROM receipts_stream t " +
            $"WHERE t.room_id = ANY($1) AND (t.receipt_type <> $2 OR t.user_id = $3) AND {range} ORDER BY t.stream_id";
        var rows = await ReadAsync(command, cancellationToken);
        // Later rows replace earlier ones of the same key, as clients would.
        var latest = new Dictionary<(string, string, string, string?), ReceiptRow>();
        foreach (var row in rows)
            latest[(row.RoomId, row.ReceiptType, row.UserId, row.ThreadId)] = row;
        return ReceiptEvents.ByRoom(latest.Values);
    }

    /// <summary>
    /// The user's own latest receipts (both types, every thread) in <paramref name="roomIds"/>,
    /// for notification counts: the later of m.read and m.read.private is where the user has read up to.
    /// </summary>
    public async Task<IReadOnlyList<ReceiptRow>> GetOwnReceiptsAsync(
        string userId, IReadOnlyCollection<string> roomIds, CancellationToken cancellationToken)
    {
        if (roomIds.Count == 0)
            return [];
        await using var command = dataSource.CreateCommand(
            "SELECT room_id, receipt_type, user_id, NULLIF(thread_id, ''), event_id, ts FROM receipts " +
            "WHERE room_id = ANY($1) AND user_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = roomIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.AddWithValue(userId);
        return await ReadAsync(command, cancellationToken);
    }

    private static async Task<List<ReceiptRow>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<ReceiptRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            rows.Add(new ReceiptRow(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.GetInt64(5)));
        return rows;
    }
}

/// <summary>Builds m.receipt events (spec: "m.receipt"): content[event_id][receipt_type][user_id] = {ts, thread_id?}.</summary>
public static class ReceiptEvents
{
    public static IReadOnlyDictionary<string, IReadOnlyList<JsonObject>> ByRoom(IEnumerable<ReceiptRow> receipts)
    {
        var result = new Dictionary<string, IReadOnlyList<JsonObject>>(StringComparer.Ordinal);
        foreach (var room in receipts.GroupBy(r => r.RoomId, StringComparer.Ordinal))
            result[room.Key] = Build(room);
        return result;
    }

    /// <summary>
    /// The receipts of one room as m.receipt events: one event unless two receipts of a user
    /// for the same event and type differ by thread, which one content object cannot hold.
    /// </summary>
    public static IReadOnlyList<JsonObject> Build(IEnumerable<ReceiptRow> receipts)
    {
        var contents = new List<JsonObject>();
        foreach (var receipt in receipts)
        {
            var body = new JsonObject { ["ts"] = receipt.Ts };
            if (receipt.ThreadId is not null)
                body["thread_id"] = receipt.ThreadId;
            var placed = false;
            foreach (var content in contents)
            {
                var byType = (JsonObject)(content[receipt.EventId] ??= new JsonObject());
                var byUser = (JsonObject)(byType[receipt.ReceiptType] ??= new JsonObject());
                if (byUser.ContainsKey(receipt.UserId))
                    continue;
                byUser[receipt.UserId] = body;
                placed = true;
                break;
            }
            if (!placed)
                contents.Add(new JsonObject
                {
                    [receipt.EventId] = new JsonObject { [receipt.ReceiptType] = new JsonObject { [receipt.UserId] = body } },
                });
        }
        return [.. contents.Select(c => new JsonObject { ["type"] = "m.receipt", ["content"] = c })];
    }
}
