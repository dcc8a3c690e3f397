using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace Cluster.Workers.ClientReader.Filters;

/// <summary>Stored filters (user_filters, migration 0006), numbered per user from 0.</summary>
public sealed class FilterStore(NpgsqlDataSource dataSource)
{
    private const int Attempts = 5;

    /// <summary>
    /// Stores the filter (canonical JSON) and returns its ID; a filter the user stored before
    /// gets its old ID back.
    /// </summary>
    public async Task<string> AddAsync(string userId, byte[] canonicalFilter, CancellationToken cancellationToken)
    {
        var hash = SHA256.HashData(canonicalFilter);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var insert = dataSource.CreateCommand(
                    "INSERT INTO user_filters (user_id, filter_id, filter, filter_hash) " +
                    "SELECT $1, COALESCE(MAX(filter_id) + 1, 0), $2, $3 FROM user_filters WHERE user_id = $1 " +
                    "ON CONFLICT (user_id, filter_hash) DO NOTHING RETURNING filter_id");
                insert.Parameters.AddWithValue(userId);
                insert.Parameters.AddWithValue(canonicalFilter);
                insert.Parameters.AddWithValue(hash);
                if (await insert.ExecuteScalarAsync(cancellationToken) is long created)
                    return created.ToString(CultureInfo.InvariantCulture);

                await using var existing = dataSource.CreateCommand(
                    "SELECT filter_id FROM user_filters WHERE user_id = $1 AND filter_hash = $2");
                existing.Parameters.AddWithValue(userId);
                existing.Parameters.AddWithValue(hash);
                if (await existing.ExecuteScalarAsync(cancellationToken) is long found)
                    return found.ToString(CultureInfo.InvariantCulture);
            }
            // Two uploads of different filters by one user took the same next ID: try again.
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && attempt < Attempts)
            {
            }
        }
    }

    /// <summary>The stored filter (canonical JSON), or null when the user has no filter with that ID.</summary>
    public async Task<byte[]?> GetAsync(string userId, string filterId, CancellationToken cancellationToken)
    {
        // IDs are decimal numbers this server handed out; anything else names no filter.
        if (filterId.Length is 0 or > 18 || !filterId.All(char.IsAsciiDigit)
            || !long.TryParse(filterId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            return null;
        await using var command = dataSource.CreateCommand("SELECT filter FROM user_filters WHERE user_id = $1 AND filter_id = $2");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(id);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }
}
