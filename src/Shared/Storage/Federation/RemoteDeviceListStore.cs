using Npgsql;

namespace Cluster.Shared.Storage.Federation;

/// <summary>A device of another server's user, as its server described it.</summary>
public sealed record RemoteDevice(string DeviceId, string? DisplayName);

/// <summary>
/// Another server's user's device list as held here: the origin's <see cref="StreamId"/> for it
/// (null before the first fetch), its devices in ID order, and whether it is
/// <see cref="IsStale"/> (a change was missed and a resync is due).
/// </summary>
public sealed record RemoteDeviceList(string UserId, long? StreamId, bool IsStale, IReadOnlyList<RemoteDevice> Devices);

/// <summary>
/// The device lists of other servers' users (migration 0014: <c>remote_device_lists</c>,
/// <c>remote_devices</c>), kept from their servers' <c>m.device_list_update</c> EDUs, applied in
/// the order <see cref="DeviceListChain"/> says, and from whole lists fetched when the chain
/// breaks. What end-to-end encryption (not built yet) would read to know a remote user's devices;
/// no client endpoint reads it today.
/// </summary>
public sealed class RemoteDeviceListStore(NpgsqlDataSource dataSource)
{
    /// <summary>Most devices held for one user; more is not a real user's list, and is not stored.</summary>
    public const int MaxDevicesPerUser = 1000;

    /// <summary>The list held for <paramref name="userId"/>, or null when none is.</summary>
    public async Task<RemoteDeviceList?> GetAsync(string userId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var list = new NpgsqlBatchCommand("SELECT stream_id, resync_at IS NOT NULL FROM remote_device_lists WHERE user_id = $1");
        list.Parameters.Add(new NpgsqlParameter { Value = userId });
        batch.BatchCommands.Add(list);
        var devices = new NpgsqlBatchCommand("SELECT device_id, display_name FROM remote_devices WHERE user_id = $1 ORDER BY device_id");
        devices.Parameters.Add(new NpgsqlParameter { Value = userId });
        batch.BatchCommands.Add(devices);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var streamId = reader.IsDBNull(0) ? (long?)null : reader.GetInt64(0);
        var stale = reader.GetBoolean(1);
        await reader.NextResultAsync(cancellationToken);
        var found = new List<RemoteDevice>();
        while (await reader.ReadAsync(cancellationToken))
            found.Add(new RemoteDevice(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        return new RemoteDeviceList(userId, streamId, stale, found);
    }

    /// <summary>
    /// Takes an update from the user's server: applied when it follows on from the list held;
    /// otherwise (a gap, or no list yet) the list is marked for a resync due at <paramref name="now"/>,
    /// and updates are not applied until the resync brings the whole list. Returns what was done;
    /// <see cref="DeviceListVerdict.Resync"/> means a resync is due (newly or still).
    /// </summary>
    public async Task<DeviceListVerdict> ApplyAsync(DeviceListUpdate update, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Updates of one user are judged one at a time: the row is created if new, then locked.
        await using (var ensure = new NpgsqlCommand(
            "INSERT INTO remote_device_lists (user_id, resync_at) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING", connection, transaction))
        {
            ensure.Parameters.AddWithValue(update.UserId);
            ensure.Parameters.AddWithValue(now.ToUnixTimeMilliseconds());
            await ensure.ExecuteNonQueryAsync(cancellationToken);
        }
        long? held;
        bool stale;
        await using (var read = new NpgsqlCommand(
            "SELECT stream_id, resync_at IS NOT NULL FROM remote_device_lists WHERE user_id = $1 FOR UPDATE", connection, transaction))
        {
            read.Parameters.AddWithValue(update.UserId);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            held = reader.IsDBNull(0) ? null : reader.GetInt64(0);
            stale = reader.GetBoolean(1);
        }
        var verdict = stale ? DeviceListVerdict.Resync : DeviceListChain.Judge(held, update);
        if (verdict == DeviceListVerdict.Apply)
            await WriteChangeAsync(connection, transaction, update, cancellationToken);
        else if (verdict == DeviceListVerdict.Resync && !stale)
            await MarkForResyncAsync(connection, transaction, update.UserId, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return verdict;
    }

    private static async Task WriteChangeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DeviceListUpdate update, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var change = update.Deleted
            ? new NpgsqlBatchCommand("DELETE FROM remote_devices WHERE user_id = $1 AND device_id = $2")
            {
                Parameters = { new() { Value = update.UserId }, new() { Value = update.DeviceId } },
            }
            : new NpgsqlBatchCommand("""
                INSERT INTO remote_devices (user_id, device_id, display_name)
                SELECT $1, $2, $3
                WHERE EXISTS (SELECT 1 FROM remote_devices WHERE user_id = $1 AND device_id = $2)
                   OR (SELECT count(*) FROM remote_devices WHERE user_id = $1) < $4
                ON CONFLICT (user_id, device_id) DO UPDATE SET display_name = EXCLUDED.display_name
                """)
            {
                Parameters =
                {
                    new() { Value = update.UserId }, new() { Value = update.DeviceId },
                    new() { Value = (object?)update.DisplayName ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                    new() { Value = MaxDevicesPerUser },
                },
            };
        batch.BatchCommands.Add(change);
        var version = new NpgsqlBatchCommand("UPDATE remote_device_lists SET stream_id = $2 WHERE user_id = $1")
        {
            Parameters = { new() { Value = update.UserId }, new() { Value = update.StreamId } },
        };
        batch.BatchCommands.Add(version);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task MarkForResyncAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var mark = new NpgsqlCommand(
            "UPDATE remote_device_lists SET resync_at = $2, resync_attempts = 0 WHERE user_id = $1", connection, transaction);
        mark.Parameters.AddWithValue(userId);
        mark.Parameters.AddWithValue(now.ToUnixTimeMilliseconds());
        await mark.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> users whose resync is due at <paramref name="now"/>, each
    /// taken by this caller alone: its next attempt is pushed back by <paramref name="backoff"/>
    /// (given the attempts made so far), so a caller that fails or dies leaves it to be tried again
    /// then, and another federation reader does not take it meanwhile.
    /// </summary>
    public async Task<IReadOnlyList<string>> ClaimDueResyncsAsync(
        DateTimeOffset now, Func<int, TimeSpan> backoff, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var due = new List<(string UserId, int Attempts)>();
        await using (var select = new NpgsqlCommand(
            "SELECT user_id, resync_attempts FROM remote_device_lists WHERE resync_at <= $1 ORDER BY resync_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            connection, transaction))
        {
            select.Parameters.AddWithValue(now.ToUnixTimeMilliseconds());
            select.Parameters.AddWithValue(limit);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                due.Add((reader.GetString(0), reader.GetInt32(1)));
        }
        if (due.Count > 0)
        {
            await using var claim = new NpgsqlCommand(
                "UPDATE remote_device_lists r SET resync_at = c.retry_at, resync_attempts = r.resync_attempts + 1 " +
                "FROM unnest($1::text[], $2::bigint[]) AS c(user_id, retry_at) WHERE r.user_id = c.user_id",
                connection, transaction);
            claim.Parameters.AddWithValue(due.Select(d => d.UserId).ToArray());
            claim.Parameters.AddWithValue(due.Select(d => (now + backoff(d.Attempts)).ToUnixTimeMilliseconds()).ToArray());
            await claim.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return [.. due.Select(d => d.UserId)];
    }

    /// <summary>
    /// Replaces the user's list with the whole list fetched from their server at
    /// <paramref name="streamId"/>, and ends the resync: updates that follow on from it apply again.
    /// </summary>
    public async Task ReplaceAsync(string userId, long streamId, IReadOnlyList<RemoteDevice> devices, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var kept = devices.DistinctBy(d => d.DeviceId, StringComparer.Ordinal).Take(MaxDevicesPerUser).ToList();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "INSERT INTO remote_device_lists (user_id, stream_id) VALUES ($1, $2) " +
            "ON CONFLICT (user_id) DO UPDATE SET stream_id = EXCLUDED.stream_id, resync_at = NULL, resync_attempts = 0")
        {
            Parameters = { new() { Value = userId }, new() { Value = streamId } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM remote_devices WHERE user_id = $1")
        {
            Parameters = { new() { Value = userId } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "INSERT INTO remote_devices (user_id, device_id, display_name) SELECT $1, d, n FROM unnest($2::text[], $3::text[]) AS x(d, n)")
        {
            Parameters =
            {
                new() { Value = userId },
                new() { Value = kept.Select(d => d.DeviceId).ToArray() },
                new() { Value = kept.Select(d => d.DisplayName).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text },
            },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
