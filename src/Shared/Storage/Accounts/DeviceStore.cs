using Cluster.Shared.Identifiers;
using Npgsql;

namespace Cluster.Shared.Storage.Accounts;

public sealed record Device(string DeviceId, string? DisplayName, DateTimeOffset? LastSeen, string? LastSeenIp);

/// <summary>A logged-in device and the access token just issued for it.</summary>
public sealed record DeviceSession(string DeviceId, string AccessToken);

/// <summary>
/// A user's devices. A device is a login session: its access tokens (and, later, its end-to-end
/// keys) are deleted with it by the foreign keys' cascade.
/// </summary>
public sealed class DeviceStore(NpgsqlDataSource dataSource)
{
    /// <summary>Longest device ID or display name a client may choose.</summary>
    public const int MaxDeviceIdLength = 255;
    public const int MaxDisplayNameLength = 255;

    /// <summary>
    /// Logs <paramref name="user"/> in on <paramref name="deviceId"/> (a new random one when null):
    /// creates the device unless it exists, and issues a new access token for it.
    /// </summary>
    public async Task<DeviceSession> StartSessionAsync(
        UserId user, string? deviceId, string? displayName, string? ip, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await StartSessionAsync(connection, user, deviceId, displayName, ip, ct);
    }

    /// <summary>As above, on a connection whose transaction the caller owns (registration).</summary>
    internal static async Task<DeviceSession> StartSessionAsync(
        NpgsqlConnection connection, UserId user, string? deviceId, string? displayName, string? ip, CancellationToken ct)
    {
        deviceId ??= DeviceIds.Generate();
        var token = AccessTokens.Generate(user);
        // One round trip, one implicit transaction: the device exists before its token does.
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("""
                    INSERT INTO devices (user_id, device_id, display_name, last_seen_at, last_seen_ip)
                    VALUES ($1, $2, $3, now(), $4)
                    ON CONFLICT (user_id, device_id) DO UPDATE
                        SET last_seen_at = now(), last_seen_ip = EXCLUDED.last_seen_ip,
                            display_name = COALESCE(EXCLUDED.display_name, devices.display_name)
                    """)
                {
                    Parameters = { new() { Value = user.ToString() }, new() { Value = deviceId }, Sql.Text(displayName), Sql.Text(ip) },
                },
                new NpgsqlBatchCommand("INSERT INTO access_tokens (token_hash, user_id, device_id) VALUES ($1, $2, $3)")
                {
                    Parameters = { new() { Value = AccessTokens.Hash(token) }, new() { Value = user.ToString() }, new() { Value = deviceId } },
                },
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
        return new DeviceSession(deviceId, token);
    }

    public async Task<IReadOnlyList<Device>> ListAsync(UserId user, CancellationToken ct)
    {
        await using var select = dataSource.CreateCommand("""
            SELECT device_id, display_name, last_seen_at, last_seen_ip FROM devices WHERE user_id = $1 ORDER BY device_id
            """);
        select.Parameters.AddWithValue(user.ToString());
        await using var reader = await select.ExecuteReaderAsync(ct);
        var devices = new List<Device>();
        while (await reader.ReadAsync(ct))
            devices.Add(Read(reader));
        return devices;
    }

    /// <summary>
    /// The version of the user's device list (migration 0011): the device-list sequence's value at
    /// its last change, 0 if it has not changed since. Read before the list, it is never newer than it.
    /// </summary>
    public async Task<long> GetListVersionAsync(UserId user, CancellationToken ct)
    {
        await using var select = dataSource.CreateCommand("SELECT stream_id FROM device_list_versions WHERE user_id = $1");
        select.Parameters.AddWithValue(user.ToString());
        return await select.ExecuteScalarAsync(ct) is long version ? version : 0;
    }

    public async Task<Device?> GetAsync(UserId user, string deviceId, CancellationToken ct)
    {
        await using var select = dataSource.CreateCommand("""
            SELECT device_id, display_name, last_seen_at, last_seen_ip FROM devices WHERE user_id = $1 AND device_id = $2
            """);
        select.Parameters.AddWithValue(user.ToString());
        select.Parameters.AddWithValue(deviceId);
        await using var reader = await select.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>False when the user has no such device.</summary>
    public async Task<bool> SetDisplayNameAsync(UserId user, string deviceId, string? displayName, CancellationToken ct)
    {
        await using var update = dataSource.CreateCommand("UPDATE devices SET display_name = $3 WHERE user_id = $1 AND device_id = $2");
        update.Parameters.AddWithValue(user.ToString());
        update.Parameters.AddWithValue(deviceId);
        update.Parameters.Add(Sql.Text(displayName));
        return await update.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>Deletes the devices (and so their tokens); IDs the user does not have are ignored.</summary>
    public async Task<int> DeleteAsync(UserId user, IReadOnlyCollection<string> deviceIds, CancellationToken ct)
    {
        if (deviceIds.Count == 0)
            return 0;
        await using var delete = dataSource.CreateCommand("DELETE FROM devices WHERE user_id = $1 AND device_id = ANY($2)");
        delete.Parameters.AddWithValue(user.ToString());
        delete.Parameters.AddWithValue(deviceIds.ToArray());
        return await delete.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Deletes every device of the user but <paramref name="keepDeviceId"/> (all when null).</summary>
    public async Task<int> DeleteAllAsync(UserId user, string? keepDeviceId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await DeleteAllAsync(connection, user, keepDeviceId, ct);
    }

    internal static async Task<int> DeleteAllAsync(NpgsqlConnection connection, UserId user, string? keepDeviceId, CancellationToken ct)
    {
        await using var delete = new NpgsqlCommand(
            "DELETE FROM devices WHERE user_id = $1 AND ($2::text IS NULL OR device_id <> $2)", connection);
        delete.Parameters.AddWithValue(user.ToString());
        delete.Parameters.Add(Sql.Text(keepDeviceId));
        return await delete.ExecuteNonQueryAsync(ct);
    }

    private static Device Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.NullableString(1),
        reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
        reader.NullableString(3));
}

/// <summary>Server-chosen device IDs: ten upper-case letters, as clients are used to seeing.</summary>
public static class DeviceIds
{
    public static string Generate() =>
        System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10);
}
