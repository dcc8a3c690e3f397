using System.Security.Cryptography;
using Npgsql;

namespace Cluster.Shared.Storage.Accounts;

/// <summary>
/// Nonces for shared-secret registration: each is valid for <see cref="Lifetime"/> and for one
/// use, on whichever process it is presented to.
/// </summary>
public sealed class RegistrationNonceStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    public const int MaxNonceLength = 64;

    public async Task<string> IssueAsync(CancellationToken ct)
    {
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM registration_nonces WHERE created_at < $1")
        {
            Parameters = { new() { Value = clock.GetUtcNow() - Lifetime } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO registration_nonces (nonce) VALUES ($1)")
        {
            Parameters = { new() { Value = nonce } },
        });
        await batch.ExecuteNonQueryAsync(ct);
        return nonce;
    }

    /// <summary>True exactly once for a nonce issued less than <see cref="Lifetime"/> ago.</summary>
    public async Task<bool> ConsumeAsync(string nonce, CancellationToken ct)
    {
        if (nonce.Length > MaxNonceLength)
            return false;
        await using var delete = dataSource.CreateCommand("DELETE FROM registration_nonces WHERE nonce = $1 RETURNING created_at >= $2");
        delete.Parameters.AddWithValue(nonce);
        delete.Parameters.AddWithValue(clock.GetUtcNow() - Lifetime);
        return await delete.ExecuteScalarAsync(ct) is true;
    }
}
