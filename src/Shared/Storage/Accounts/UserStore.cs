using Cluster.Shared.Identifiers;
using Npgsql;

namespace Cluster.Shared.Storage.Accounts;

public sealed record UserAccount(UserId UserId, string? PasswordHash, bool IsAdmin, bool Deactivated);

/// <summary>What registration asks for: the account, and a first device unless login is inhibited.</summary>
public sealed record NewAccount(UserId UserId, string? PasswordHash, bool IsAdmin, string? DisplayName);

public sealed record NewDevice(string? DeviceId, string? DisplayName, string? Ip);

/// <summary>Local user accounts: creation, passwords, deactivation.</summary>
public sealed class UserStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Creates the account, its profile and, when <paramref name="device"/> is given, a logged-in
    /// device, all in one transaction. The session is null when no device was asked for.
    /// </summary>
    /// <exception cref="UserIdInUseException">The user ID is taken (deactivated users keep theirs).</exception>
    public async Task<DeviceSession?> CreateAsync(NewAccount account, NewDevice? device, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO users (user_id, password_hash, is_admin) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING
            """, connection))
        {
            insert.Parameters.AddWithValue(account.UserId.ToString());
            insert.Parameters.Add(Sql.Text(account.PasswordHash));
            insert.Parameters.AddWithValue(account.IsAdmin);
            if (await insert.ExecuteNonQueryAsync(ct) == 0)
                throw new UserIdInUseException(account.UserId);
        }
        await using (var profile = new NpgsqlCommand("INSERT INTO profiles (user_id, displayname) VALUES ($1, $2)", connection))
        {
            profile.Parameters.AddWithValue(account.UserId.ToString());
            profile.Parameters.Add(Sql.Text(account.DisplayName));
            await profile.ExecuteNonQueryAsync(ct);
        }
        var session = device is null
            ? null
            : await DeviceStore.StartSessionAsync(connection, account.UserId, device.DeviceId, device.DisplayName, device.Ip, ct);
        await transaction.CommitAsync(ct);
        return session;
    }

    public async Task<UserAccount?> GetAsync(UserId user, CancellationToken ct)
    {
        await using var select = dataSource.CreateCommand(
            "SELECT password_hash, is_admin, deactivated FROM users WHERE user_id = $1");
        select.Parameters.AddWithValue(user.ToString());
        await using var reader = await select.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        return new UserAccount(user, reader.NullableString(0), reader.GetBoolean(1), reader.GetBoolean(2));
    }

    /// <summary>Whether the user ID was ever registered (deactivated accounts included).</summary>
    public async Task<bool> ExistsAsync(UserId user, CancellationToken ct)
    {
        await using var select = dataSource.CreateCommand("SELECT 1 FROM users WHERE user_id = $1");
        select.Parameters.AddWithValue(user.ToString());
        return await select.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>
    /// Sets a new password hash and, when <paramref name="logOutOtherDevices"/>, deletes every
    /// device but <paramref name="keepDeviceId"/> in the same transaction.
    /// </summary>
    public async Task SetPasswordHashAsync(UserId user, string passwordHash, bool logOutOtherDevices, string? keepDeviceId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var update = new NpgsqlCommand("UPDATE users SET password_hash = $2 WHERE user_id = $1 AND NOT deactivated", connection))
        {
            update.Parameters.AddWithValue(user.ToString());
            update.Parameters.AddWithValue(passwordHash);
            await update.ExecuteNonQueryAsync(ct);
        }
        if (logOutOtherDevices)
            await DeviceStore.DeleteAllAsync(connection, user, keepDeviceId, ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// Deactivates the account for good: no devices (so no tokens), an empty profile, no pending
    /// user-interactive auth sessions. The user ID stays taken. The password hash is kept so that
    /// only someone who knows the password learns that the account is deactivated.
    /// </summary>
    public async Task DeactivateAsync(UserId user, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command("UPDATE users SET deactivated = true WHERE user_id = $1", user),
                Command("DELETE FROM devices WHERE user_id = $1", user),
                Command("UPDATE profiles SET displayname = NULL, avatar_url = NULL WHERE user_id = $1", user),
                Command("DELETE FROM ui_auth_sessions WHERE user_id = $1", user),
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Command(string sql, UserId user) =>
        new(sql) { Parameters = { new() { Value = user.ToString() } } };
}

public sealed class UserIdInUseException(UserId user) : Exception($"The user ID {user} is already taken.")
{
    public UserId UserId { get; } = user;
}
