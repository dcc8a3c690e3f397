using System.Collections.Concurrent;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Federation;
using Npgsql;

namespace Cluster.Workers.FederationReader.Authentication;

/// <summary>
/// A server whose request authenticated is up: if this server backs off from sending to it, the
/// back-off should end now rather than at its next retry time (<see cref="DestinationsHeardFrom"/>,
/// which the federation sender watches). Each origin is noted at most once per
/// <see cref="Interval"/>, so a busy peer costs one small write now and then; a request that
/// comes within the interval is noted when the interval ends, never dropped.
/// </summary>
public sealed class OriginsHeardFrom(
    DestinationsHeardFrom store, TimeProvider clock, IHostApplicationLifetime lifetime, ILogger<OriginsHeardFrom> logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, long> _notedAt = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _notingLater = new(StringComparer.Ordinal);

    public Task NoteAsync(ServerName origin, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var name = origin.ToString();
        var last = _notedAt.GetOrAdd(name, long.MinValue);
        if (last <= now.UtcTicks - Interval.Ticks && _notedAt.TryUpdate(name, now.UtcTicks, last))
            return WriteAsync(name, now, cancellationToken);
        // The note a moment ago may have come before a failed attempt the sender recorded since
        // (a server restarting answers its first request within the interval): a peer that then
        // goes quiet would wait out the whole back-off.
        if (_notingLater.TryAdd(name, 0))
            _ = NoteLaterAsync(name, TimeSpan.FromTicks(Math.Max(0, last + Interval.Ticks - now.UtcTicks)));
        return Task.CompletedTask;
    }

    private async Task NoteLaterAsync(string name, TimeSpan wait)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            await Task.Delay(wait, clock, stopping);
            _notingLater.TryRemove(name, out _);
            var now = clock.GetUtcNow();
            _notedAt[name] = now.UtcTicks;
            await WriteAsync(name, now, stopping);
        }
        catch (Exception e)
        {
            // Nobody awaits this note: whatever stops it is logged here, unless it is shutdown.
            if (!stopping.IsCancellationRequested)
                logger.LogWarning(e, "Could not note that {Origin} is up", name);
        }
    }

    private async Task WriteAsync(string name, DateTimeOffset at, CancellationToken cancellationToken)
    {
        try
        {
            await store.NoteAsync(name, at, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            // The request itself is fine; the back-off then just runs its course.
            logger.LogWarning(e, "Could not note that {Origin} is up", name);
        }
    }
}
