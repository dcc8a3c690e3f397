using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Npgsql;

namespace Cluster.Shared.Storage.Accounts;

/// <summary>
/// Looks up and revokes access tokens. Tokens are created with their device
/// (<see cref="DeviceStore.StartSessionAsync"/>), and die with it.
/// </summary>
public sealed class AccessTokenStore(NpgsqlDataSource dataSource)
{
    /// <summary>The requester a token stands for; null when it is unknown or its user is deactivated.</summary>
    public async Task<Requester?> FindAsync(string token, CancellationToken ct)
    {
        if (!AccessTokens.LooksValid(token))
            return null;
        await using var select = dataSource.CreateCommand("""
            SELECT t.token_id, t.user_id, t.device_id, u.is_admin
            FROM access_tokens t JOIN users u ON u.user_id = t.user_id
            WHERE t.token_hash = $1 AND NOT u.deactivated
            """);
        select.Parameters.AddWithValue(AccessTokens.Hash(token));
        await using var reader = await select.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        return new Requester(UserId.Parse(reader.GetString(1)), reader.GetString(2), reader.GetInt64(0), reader.GetBoolean(3));
    }

    public async Task DeleteAsync(long tokenId, CancellationToken ct)
    {
        await using var delete = dataSource.CreateCommand("DELETE FROM access_tokens WHERE token_id = $1");
        delete.Parameters.AddWithValue(tokenId);
        await delete.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>The client API's token check, backed by <see cref="AccessTokenStore"/>: one indexed lookup per request.</summary>
public sealed class StoredAccessTokenValidator(AccessTokenStore tokens) : IAccessTokenValidator
{
    public async ValueTask<Requester?> ValidateAsync(string accessToken, CancellationToken cancellationToken) =>
        await tokens.FindAsync(accessToken, cancellationToken);
}
