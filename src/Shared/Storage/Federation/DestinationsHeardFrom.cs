using Npgsql;

namespace Cluster.Shared.Storage.Federation;

/// <summary>
/// Destinations that talked to this server while it was backing off from them (migration 0013,
/// <c>federation_destinations.heard_from_ts</c>): the federation reader stamps them, the
/// federation sender hears of each stamp on <see cref="Channel"/> and retries the destination at
/// once, and reads the stamps when it (re)starts listening.
/// </summary>
public sealed class DestinationsHeardFrom(NpgsqlDataSource dataSource)
{
    public const string Channel = "federation_destinations_heard_from";

    /// <summary>
    /// Stamps <paramref name="server"/> as heard from at <paramref name="at"/>, and announces it on
    /// <see cref="Channel"/>, if this server is backing off from it; a no-op (and no write) otherwise.
    /// </summary>
    public async Task NoteAsync(string server, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "WITH stamped AS (UPDATE federation_destinations SET heard_from_ts = $2 WHERE destination = $1 AND failures > 0 RETURNING destination) " +
            $"SELECT pg_notify('{Channel}', destination) FROM stamped");
        command.Parameters.AddWithValue(server);
        command.Parameters.AddWithValue(at.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>When each of <paramref name="destinations"/> was last heard from while backed off from; those never heard from are left out.</summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> ReadAsync(IReadOnlyCollection<string> destinations, CancellationToken cancellationToken)
    {
        var heard = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        if (destinations.Count == 0)
            return heard;
        await using var command = dataSource.CreateCommand(
            "SELECT destination, heard_from_ts FROM federation_destinations WHERE destination = ANY($1) AND heard_from_ts IS NOT NULL");
        command.Parameters.AddWithValue(destinations.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            heard[reader.GetString(0)] = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1));
        return heard;
    }
}
