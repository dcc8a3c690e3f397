using System.Security.Cryptography;
using Cluster.Shared.Identifiers;
using Npgsql;

namespace Cluster.Shared.Storage.Accounts;

/// <summary>A user-interactive auth session: what it authorises, for whom, and the stages done so far.</summary>
public sealed record UiAuthSession(string SessionId, string Purpose, UserId? User, IReadOnlyList<string> Completed);

/// <summary>
/// User-interactive auth sessions, in PostgreSQL because each step of a session may reach a
/// different process. A session lives <see cref="Lifetime"/> at most.
/// </summary>
public sealed class UiAuthSessionStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    /// <summary>Longest session ID looked up; ours are 32 characters.</summary>
    public const int MaxSessionIdLength = 64;

    public async Task<UiAuthSession> CreateAsync(string purpose, UserId? user, CancellationToken ct)
    {
        var id = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 32);
        await using var batch = dataSource.CreateBatch();
        // Pruning here keeps the table bounded without a background job.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM ui_auth_sessions WHERE created_at < $1")
        {
            Parameters = { new() { Value = clock.GetUtcNow() - Lifetime } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO ui_auth_sessions (session_id, purpose, user_id) VALUES ($1, $2, $3)")
        {
            Parameters = { new() { Value = id }, new() { Value = purpose }, Sql.Text(user?.ToString()) },
        });
        await batch.ExecuteNonQueryAsync(ct);
        return new UiAuthSession(id, purpose, user, []);
    }

    /// <summary>The session, or null when it is unknown or expired.</summary>
    public async Task<UiAuthSession?> GetAsync(string sessionId, CancellationToken ct)
    {
        if (sessionId.Length > MaxSessionIdLength)
            return null;
        await using var select = dataSource.CreateCommand(
            "SELECT purpose, user_id, completed FROM ui_auth_sessions WHERE session_id = $1 AND created_at >= $2");
        select.Parameters.AddWithValue(sessionId);
        select.Parameters.AddWithValue(clock.GetUtcNow() - Lifetime);
        await using var reader = await select.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        var user = reader.NullableString(1) is { } u ? UserId.Parse(u) : (UserId?)null;
        return new UiAuthSession(sessionId, reader.GetString(0), user, reader.GetFieldValue<string[]>(2));
    }

    /// <summary>Records a completed stage (once); the session's completed stages afterwards.</summary>
    public async Task<IReadOnlyList<string>> CompleteStageAsync(string sessionId, string stage, CancellationToken ct)
    {
        await using var update = dataSource.CreateCommand("""
            UPDATE ui_auth_sessions
            SET completed = CASE WHEN $2 = ANY(completed) THEN completed ELSE array_append(completed, $2) END
            WHERE session_id = $1
            RETURNING completed
            """);
        update.Parameters.AddWithValue(sessionId);
        update.Parameters.AddWithValue(stage);
        return await update.ExecuteScalarAsync(ct) as string[] ?? [];
    }

    /// <summary>Ends a session once the operation it authorised has succeeded, so it cannot authorise another.</summary>
    public async Task DeleteAsync(string sessionId, CancellationToken ct)
    {
        await using var delete = dataSource.CreateCommand("DELETE FROM ui_auth_sessions WHERE session_id = $1");
        delete.Parameters.AddWithValue(sessionId);
        await delete.ExecuteNonQueryAsync(ct);
    }
}
