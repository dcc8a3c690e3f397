using System.Text.Json.Nodes;
using Cluster.Replication.Hosting;
using Cluster.Replication.Streams.Common;
using Cluster.Replication.Tokens;
using Npgsql;

namespace Cluster.Replication.Streams.AccountData;

/// <summary>One account data entry: its type and content (compact JSON bytes, to be written out as they are).</summary>
public sealed record AccountDataEntry(string Type, byte[] Content)
{
    /// <summary>The event /sync lists: <c>{"type": ..., "content": ...}</c>.</summary>
    public JsonObject ToEvent() => new() { ["type"] = Type, ["content"] = JsonNode.Parse(Content) };
}

/// <summary>A user's account data: global entries, and per room.</summary>
public sealed record AccountDataSet(
    IReadOnlyList<AccountDataEntry> Global, IReadOnlyDictionary<string, IReadOnlyList<AccountDataEntry>> Rooms)
{
    public static AccountDataSet Empty { get; } = new([], new Dictionary<string, IReadOnlyList<AccountDataEntry>>());

    public bool IsEmpty => Global.Count == 0 && Rooms.Count == 0;
}

/// <summary>
/// What /sync and GET account_data need of the account data stream. m.push_rules is not
/// stored here: /sync adds it to global account data from the push rules stream.
/// </summary>
public sealed class AccountDataReader(StreamHost<AccountDataRow> stream, NpgsqlDataSource dataSource)
{
    /// <summary>The account_data field of the next /sync token.</summary>
    public StreamPositionVector Position => stream.Follower.Positions;

    /// <summary>One entry's content, or null when the user never set it. <paramref name="roomId"/> "" is global.</summary>
    public async Task<byte[]?> GetAsync(string userId, string roomId, string type, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT content FROM account_data WHERE user_id = $1 AND room_id = $2 AND type = $3");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(type);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    /// <summary>Initial sync: everything the user has.</summary>
    public async Task<AccountDataSet> GetAllAsync(string userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT room_id, type, content FROM account_data WHERE user_id = $1 ORDER BY room_id, type");
        command.Parameters.AddWithValue(userId);
        return await ReadSetAsync(command, cancellationToken);
    }

    /// <summary>
    /// Incremental sync: the user's entries with a change that <paramref name="to"/> covers and
    /// <paramref name="from"/> does not, each with its current content (which may be newer than
    /// <paramref name="to"/>; the next sync then sends it again, harmlessly).
    /// </summary>
    public async Task<AccountDataSet> GetChangedAsync(
        string userId, StreamPositionVector from, StreamPositionVector to, CancellationToken cancellationToken)
    {
        if (to.IsBeforeOrEqual(from))
            return AccountDataSet.Empty;
        await using var command = dataSource.CreateCommand();
        command.Parameters.AddWithValue(userId);
        var range = PositionRange.Between(command.Parameters, "t.stream_id", "t.instance_id", from, to);
        command.CommandText =
            "SELECT d.room_id, d.type, d.content FROM account_data d WHERE d.user_id = $1 AND (d.room_id, d.type) IN " +
            $"(SELECT t.room_id, t.type FROM account_data_stream t WHERE t.user_id = $1 AND {range}) ORDER BY d.room_id, d.type";
        return await ReadSetAsync(command, cancellationToken);
    }

    private static async Task<AccountDataSet> ReadSetAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var global = new List<AccountDataEntry>();
        var rooms = new Dictionary<string, List<AccountDataEntry>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var roomId = reader.GetString(0);
            var entry = new AccountDataEntry(reader.GetString(1), reader.GetFieldValue<byte[]>(2));
            if (roomId.Length == 0)
                global.Add(entry);
            else if (rooms.TryGetValue(roomId, out var list))
                list.Add(entry);
            else
                rooms[roomId] = [entry];
        }
        return new AccountDataSet(global, rooms.ToDictionary(r => r.Key, r => (IReadOnlyList<AccountDataEntry>)r.Value, StringComparer.Ordinal));
    }
}
