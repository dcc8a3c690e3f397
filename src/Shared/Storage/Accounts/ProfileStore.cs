using Cluster.Shared.Identifiers;
using Npgsql;

namespace Cluster.Shared.Storage.Accounts;

/// <summary>A local user's global profile; either field may be unset.</summary>
public sealed record Profile(string? DisplayName, string? AvatarUrl);

/// <summary>
/// Local users' profiles. Other roles inject this to fill <c>displayname</c> and
/// <c>avatar_url</c> of the member events they create.
/// </summary>
public sealed class ProfileStore(NpgsqlDataSource dataSource)
{
    /// <summary>Longest display name and avatar URL accepted from clients.</summary>
    public const int MaxDisplayNameLength = 256;
    public const int MaxAvatarUrlLength = 1000;

    /// <summary>The profile, or null when no such local user was ever registered.</summary>
    public async Task<Profile?> GetAsync(UserId user, CancellationToken ct)
    {
        await using var select = dataSource.CreateCommand("SELECT displayname, avatar_url FROM profiles WHERE user_id = $1");
        select.Parameters.AddWithValue(user.ToString());
        await using var reader = await select.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new Profile(reader.NullableString(0), reader.NullableString(1)) : null;
    }

    /// <summary>Sets (or, with null, removes) the display name; the profile as it now is, null for an unknown user.</summary>
    public Task<Profile?> SetDisplayNameAsync(UserId user, string? displayName, CancellationToken ct) =>
        UpdateAsync("UPDATE profiles SET displayname = $2 WHERE user_id = $1 RETURNING displayname, avatar_url", user, displayName, ct);

    /// <summary>Sets (or, with null, removes) the avatar URL; the profile as it now is, null for an unknown user.</summary>
    public Task<Profile?> SetAvatarUrlAsync(UserId user, string? avatarUrl, CancellationToken ct) =>
        UpdateAsync("UPDATE profiles SET avatar_url = $2 WHERE user_id = $1 RETURNING displayname, avatar_url", user, avatarUrl, ct);

    private async Task<Profile?> UpdateAsync(string sql, UserId user, string? value, CancellationToken ct)
    {
        await using var update = dataSource.CreateCommand(sql);
        update.Parameters.AddWithValue(user.ToString());
        update.Parameters.Add(Sql.Text(value));
        await using var reader = await update.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new Profile(reader.NullableString(0), reader.NullableString(1)) : null;
    }
}
