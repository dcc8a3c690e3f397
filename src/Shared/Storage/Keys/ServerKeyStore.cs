using Cluster.Shared.Federation.Keys;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Npgsql;

namespace Cluster.Shared.Storage.Keys;

/// <summary>A stored key of another server and the times it may be used for.</summary>
public sealed record StoredServerKey(string PublicKeyBase64, long ValidUntilTs, long? ExpiredTs)
{
    /// <summary>Whether a signature made at <paramref name="atTs"/> may be checked with this key.</summary>
    public bool IsUsableAt(long atTs) => ExpiredTs is { } expired ? atTs < expired : atTs <= ValidUntilTs;
}

/// <summary>Other servers' keys and their latest key responses (tables server_keys and server_key_responses, migration 0007).</summary>
public sealed class ServerKeyStore(NpgsqlDataSource dataSource)
{
    public async Task<StoredServerKey?> GetAsync(ServerName server, string keyId, CancellationToken ct)
    {
        await using var select = dataSource.CreateCommand(
            "SELECT public_key, valid_until_ts, expired_ts FROM server_keys WHERE server_name = $1 AND key_id = $2");
        select.Parameters.AddWithValue(server.ToString());
        select.Parameters.AddWithValue(keyId);
        await using var reader = await select.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new StoredServerKey(reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2));
    }

    /// <summary>The latest stored response of <paramref name="server"/> as it signed it, with its valid_until_ts.</summary>
    public async Task<(byte[] Response, long ValidUntilTs)?> GetResponseAsync(ServerName server, CancellationToken ct)
    {
        await using var select = dataSource.CreateCommand("SELECT response, valid_until_ts FROM server_key_responses WHERE server_name = $1");
        select.Parameters.AddWithValue(server.ToString());
        await using var reader = await select.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return (reader.GetFieldValue<byte[]>(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Stores a checked response fetched from its own server. Current keys take the response's
    /// validity, capped at <paramref name="validUntilCap"/>; an old key keeps its expiry. A key
    /// already known with another public key is replaced: the server itself said so, signed.
    /// </summary>
    public async Task StoreAsync(ServerKeyResponse response, long fetchedTs, long validUntilCap, CancellationToken ct)
    {
        var validUntil = Math.Min(response.ValidUntilTs, validUntilCap);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch)
        {
            foreach (var (keyId, key) in response.Keys)
            {
                var upsert = new NpgsqlBatchCommand(
                    "INSERT INTO server_keys (server_name, key_id, public_key, valid_until_ts, expired_ts, fetched_ts) " +
                    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (server_name, key_id) DO UPDATE SET " +
                    "public_key = EXCLUDED.public_key, valid_until_ts = EXCLUDED.valid_until_ts, " +
                    "expired_ts = EXCLUDED.expired_ts, fetched_ts = EXCLUDED.fetched_ts");
                upsert.Parameters.AddWithValue(response.Server.ToString());
                upsert.Parameters.AddWithValue(keyId);
                upsert.Parameters.AddWithValue(key.Key.PublicKeyBase64);
                upsert.Parameters.AddWithValue(key.ExpiredTs is null ? validUntil : Math.Min(validUntil, key.ExpiredTs.Value));
                upsert.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = key.ExpiredTs });
                upsert.Parameters.AddWithValue(fetchedTs);
                batch.BatchCommands.Add(upsert);
            }
            var saveResponse = new NpgsqlBatchCommand(
                "INSERT INTO server_key_responses (server_name, response, valid_until_ts, fetched_ts) VALUES ($1, $2, $3, $4) " +
                "ON CONFLICT (server_name) DO UPDATE SET response = EXCLUDED.response, " +
                "valid_until_ts = EXCLUDED.valid_until_ts, fetched_ts = EXCLUDED.fetched_ts");
            saveResponse.Parameters.AddWithValue(response.Server.ToString());
            saveResponse.Parameters.AddWithValue(CanonicalJson.Encode(response.Json));
            saveResponse.Parameters.AddWithValue(response.ValidUntilTs);
            saveResponse.Parameters.AddWithValue(fetchedTs);
            batch.BatchCommands.Add(saveResponse);
            await batch.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }
}
