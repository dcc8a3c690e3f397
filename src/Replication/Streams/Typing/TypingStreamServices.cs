using Cluster.Replication.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Cluster.Replication.Streams.Typing;

public static class TypingStreamServices
{
    /// <summary>
    /// The typing stream, its in-memory state and <see cref="TypingReader"/>; for every process
    /// that writes typing or serves /sync. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddTypingStream(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(TypingReader)))
            return services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TypingState>();
        services.AddSingleton<TypingReader>();
        // Registered before the stream so its StartingAsync attaches the state before the follower starts.
        services.AddHostedService<TypingStateLoader>();
        services.AddStream(TypingStream.Instance);
        return services;
    }
}

/// <summary>
/// Attaches <see cref="TypingState"/> to the stream before it starts, then loads the rows that
/// can still matter from PostgreSQL. Both orders of "row from the follower" and "row from the
/// table" give the same state (the highest position wins), so nothing is lost in between.
/// </summary>
internal sealed class TypingStateLoader(
    StreamHost<TypingRow> stream, TypingState state, NpgsqlDataSource dataSource, TimeProvider time,
    ILogger<TypingStateLoader> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        stream.AddConsumer(state);
        return Task.CompletedTask;
    }

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)TypingState.Memory.TotalMilliseconds;
        var rows = await TypingRecentRows.ReadAsync(dataSource, since, writerId: null, cancellationToken);
        state.Apply(rows);
        // Changes older than what was loaded cannot be named: a token from before them gets every room.
        state.MarkForgotten(stream.Follower.Positions);
        logger.LogInformation("Loaded {Count} recent typing rows", rows.Count);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Typing rows that can still matter: the latest per (room, user) among those expiring after a time.</summary>
public static class TypingRecentRows
{
    public static async Task<IReadOnlyList<StreamRow<TypingRow>>> ReadAsync(
        NpgsqlDataSource dataSource, long expiringAfterMs, int? writerId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT DISTINCT ON (room_id, user_id) stream_id, instance_id, room_id, user_id, typing, expires_at_ms " +
            "FROM typing_stream WHERE expires_at_ms > $1 ORDER BY room_id, user_id, stream_id DESC");
        command.Parameters.AddWithValue(expiringAfterMs);
        var rows = new List<StreamRow<TypingRow>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = new StreamRow<TypingRow>(reader.GetInt64(0), reader.GetInt32(1),
                new TypingRow(reader.GetString(2), reader.GetString(3), reader.GetBoolean(4), reader.GetInt64(5)));
            if (writerId is null || row.WriterId == writerId)
                rows.Add(row);
        }
        return rows;
    }
}
