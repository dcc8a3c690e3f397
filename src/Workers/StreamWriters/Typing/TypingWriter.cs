using Cluster.Replication.Hosting;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams.Common;
using Cluster.Replication.Streams.Typing;
using Cluster.Workers.StreamWriters.Common;
using Npgsql;

namespace Cluster.Workers.StreamWriters.Typing;

/// <summary>
/// Writes typing changes and ends the typing it started: when a start's timeout runs out and
/// that start is still the user's latest row, a stop row follows, so syncs see the user stop.
/// After a restart it picks up the starts it wrote that are still pending from PostgreSQL.
/// Only the instance that writes the typing stream uses it; elsewhere its expiry loop ends at once.
/// </summary>
public sealed class TypingWriter(
    StreamHost<TypingRow> stream, TypingState state, StreamNotifier notifier, NpgsqlDataSource dataSource,
    TimeProvider time, ILogger<TypingWriter> logger) : BackgroundService, ITypingWriter
{
    /// <summary>Longer timeouts are cut to this: a client that vanishes stops "typing" within it.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Old rows are deleted after this; readers only ever need the last minutes.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(10);

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Room, string User), Pending> _pending = [];

    private readonly record struct Pending(long ExpiresAtMs, long Position);

    Task ITypingWriter.StartTypingAsync(string roomId, string userId, TimeSpan timeout, CancellationToken cancellationToken) =>
        StartTypingAsync(roomId, userId, timeout, cancellationToken);

    Task ITypingWriter.StopTypingAsync(string roomId, string userId, CancellationToken cancellationToken) =>
        StopTypingAsync(roomId, userId, cancellationToken);

    public async Task<StreamWritten?> StartTypingAsync(string roomId, string userId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout > MaxTimeout)
            timeout = MaxTimeout;
        var expires = time.GetUtcNow().Add(timeout).ToUnixTimeMilliseconds();
        var rows = await stream.Writer.WriteAsync([new TypingRow(roomId, userId, true, expires)], cancellationToken);
        lock (_lock)
            _pending[(roomId, userId)] = new Pending(expires, rows[0].Position);
        await OwnWrites.WaitUntilVisibleAsync(notifier, stream.Name, rows, cancellationToken);
        return StreamWritten.Of(stream.Name, rows);
    }

    /// <summary>
    /// Always writes the stop: a start taken by another writer may not have reached this
    /// process yet, so "not typing here" proves nothing.
    /// </summary>
    public async Task<StreamWritten?> StopTypingAsync(string roomId, string userId, CancellationToken cancellationToken)
    {
        var rows = await stream.Writer.WriteAsync(
            [new TypingRow(roomId, userId, false, time.GetUtcNow().ToUnixTimeMilliseconds())], cancellationToken);
        lock (_lock)
            _pending.Remove((roomId, userId));
        await OwnWrites.WaitUntilVisibleAsync(notifier, stream.Name, rows, cancellationToken);
        return StreamWritten.Of(stream.Name, rows);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Only the typing stream's writer expires typing: the starts to expire are the ones it wrote.
        if (!stream.Writes)
            return;
        try
        {
            await RecoverAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not read the typing this writer left pending; those users stop showing after the readers' grace period");
        }
        var lastPrune = time.GetUtcNow();
        using var timer = new PeriodicTimer(Tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await ExpireDueAsync(stoppingToken);
                    if (time.GetUtcNow() - lastPrune >= PruneInterval)
                    {
                        lastPrune = time.GetUtcNow();
                        await PruneAsync(stoppingToken);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Expiring typing failed; retrying");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow().Subtract(TypingState.Memory).ToUnixTimeMilliseconds();
        var rows = await TypingRecentRows.ReadAsync(dataSource, since, stream.Writer.WriterId, cancellationToken);
        lock (_lock)
        {
            foreach (var row in rows.Where(r => r.Data.Typing))
                _pending.TryAdd((row.Data.RoomId, row.Data.UserId), new Pending(row.Data.ExpiresAtMs, row.Position));
        }
        if (rows.Count > 0)
            logger.LogInformation("Resumed {Count} pending typing expiries", rows.Count(r => r.Data.Typing));
    }

    private async Task ExpireDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        List<(string Room, string User, Pending Pending)> due = [];
        lock (_lock)
        {
            foreach (var (key, pending) in _pending)
                if (pending.ExpiresAtMs <= now)
                    due.Add((key.Room, key.User, pending));
            foreach (var (room, user, _) in due)
                _pending.Remove((room, user));
        }
        var stops = new List<TypingRow>();
        foreach (var (room, user, pending) in due)
        {
            // Only if our start is still the latest word on it: a newer start or stop replaced it.
            if (state.Latest(room, user) is { Typing: true } latest && latest.Position == pending.Position)
                stops.Add(new TypingRow(room, user, false, now));
        }
        if (stops.Count == 0)
            return;
        try
        {
            await stream.Writer.WriteAsync(stops, cancellationToken);
        }
        catch
        {
            // Try again next tick rather than leave the users typing.
            lock (_lock)
                foreach (var (room, user, pending) in due)
                    _pending.TryAdd((room, user), pending);
            throw;
        }
    }

    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM typing_stream WHERE instance_id = $1 AND expires_at_ms < $2");
        command.Parameters.AddWithValue(stream.Writer.WriterId);
        command.Parameters.AddWithValue(time.GetUtcNow().Subtract(Retention).ToUnixTimeMilliseconds());
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
        if (deleted > 0)
            logger.LogInformation("Pruned {Count} old typing rows", deleted);
    }
}
