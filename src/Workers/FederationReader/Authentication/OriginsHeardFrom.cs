using System.Collections.Concurrent;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Federation;
using Npgsql;

namespace Cluster.Workers.FederationReader.Authentication;

/// <summary>
/// A server whose request authenticated is up: if this server backs off from sending to it, the
/// back-off should end now rather than at its next retry time (<see cref="DestinationsHeardFrom"/>,
/// which the federation sender watches). Each origin is noted at most once per
/// <see cref="Interval"/>, so a busy peer costs one small write now and then.
/// </summary>
public sealed class OriginsHeardFrom(DestinationsHeardFrom store, TimeProvider clock, ILogger<OriginsHeardFrom> logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, long> _notedAt = new(StringComparer.Ordinal);

    public async Task NoteAsync(ServerName origin, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var name = origin.ToString();
        var last = _notedAt.GetOrAdd(name, long.MinValue);
        if (last > now.UtcTicks - Interval.Ticks || !_notedAt.TryUpdate(name, now.UtcTicks, last))
            return;
        try
        {
            await store.NoteAsync(name, now, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            // The request itself is fine; the back-off then just runs its course.
            logger.LogWarning(e, "Could not note that {Origin} is up", name);
        }
    }
}
