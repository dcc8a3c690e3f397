using Npgsql;

namespace Cluster.Shared.Storage;

/// <summary>
/// Maps process names ("main", "persister-1", ...) to the small integers that identify writers
/// in stream positions and vector-clock tokens. An ID, once given, belongs to that name for
/// good: a restarted process must come back as the same writer, or positions it wrote before
/// the restart would be attributed to nobody.
/// </summary>
public sealed class InstanceRegistry(NpgsqlDataSource dataSource)
{
    /// <summary>Longest accepted name; names show up in logs, metrics labels and ps.</summary>
    public const int MaxNameLength = 128;

    /// <summary>The instance's ID, registering the name first if it is new.</summary>
    /// <exception cref="ArgumentException">The name is empty, blank, too long or has control characters.</exception>
    public async Task<int> GetOrRegisterAsync(string instanceName, CancellationToken ct)
    {
        Validate(instanceName);

        // Look first: every restart after the first takes this path, and it does not draw a
        // value from the identity sequence, which keeps IDs small and dense.
        if (await FindAsync(instanceName, ct) is { } existing)
            return existing;

        await using (var insert = dataSource.CreateCommand(
            "INSERT INTO instances (instance_name) VALUES ($1) ON CONFLICT (instance_name) DO NOTHING RETURNING instance_id"))
        {
            insert.Parameters.AddWithValue(instanceName);
            if (await insert.ExecuteScalarAsync(ct) is int inserted)
                return inserted;
        }

        // Lost a race: ON CONFLICT waited for the winner to commit and inserted nothing. The
        // winner's row is committed now, and a new statement's snapshot sees it.
        return await FindAsync(instanceName, ct)
            ?? throw new InvalidOperationException($"Instance '{instanceName}' was neither inserted nor found; was it deleted concurrently?");
    }

    private async Task<int?> FindAsync(string instanceName, CancellationToken ct)
    {
        await using var select = dataSource.CreateCommand("SELECT instance_id FROM instances WHERE instance_name = $1");
        select.Parameters.AddWithValue(instanceName);
        return await select.ExecuteScalarAsync(ct) as int?;
    }

    private static void Validate(string instanceName)
    {
        ArgumentNullException.ThrowIfNull(instanceName);
        if (string.IsNullOrWhiteSpace(instanceName))
            throw new ArgumentException("An instance name must not be empty or blank.", nameof(instanceName));
        if (instanceName.Length > MaxNameLength)
            throw new ArgumentException($"An instance name must be at most {MaxNameLength} characters, got {instanceName.Length}.", nameof(instanceName));
        if (instanceName.Any(char.IsControl))
            throw new ArgumentException("An instance name must not contain control characters.", nameof(instanceName));
        if (instanceName.Trim().Length != instanceName.Length)
            throw new ArgumentException("An instance name must not start or end with white space.", nameof(instanceName));
    }
}
