using Npgsql;

namespace Cluster.Shared.Storage.Keys;

/// <summary>The server's signing key seed as the database keeps it (table server_signing_keys, migration 0005).</summary>
public sealed class SigningKeyStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The key stored for <paramref name="serverName"/>, storing <paramref name="candidateVersion"/> and
    /// <paramref name="candidateSeed"/> first if there is none. When several processes start at once,
    /// exactly one candidate wins and every caller gets the winner.
    /// </summary>
    public async Task<(string Version, byte[] Seed)> GetOrCreateAsync(
        string serverName, string candidateVersion, byte[] candidateSeed, CancellationToken cancellationToken)
    {
        await using (var insert = dataSource.CreateCommand(
            "INSERT INTO server_signing_keys (server_name, key_version, seed) VALUES ($1, $2, $3) ON CONFLICT (server_name) DO NOTHING"))
        {
            insert.Parameters.AddWithValue(serverName);
            insert.Parameters.AddWithValue(candidateVersion);
            insert.Parameters.AddWithValue(candidateSeed);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        // ON CONFLICT waited for a concurrent winner to commit, so this statement sees its row.
        await using var select = dataSource.CreateCommand("SELECT key_version, seed FROM server_signing_keys WHERE server_name = $1");
        select.Parameters.AddWithValue(serverName);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            throw new InvalidOperationException($"The signing key of {serverName} was neither inserted nor found; was it deleted concurrently?");
        return (reader.GetString(0), reader.GetFieldValue<byte[]>(1));
    }
}
