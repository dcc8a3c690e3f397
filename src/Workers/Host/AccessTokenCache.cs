using System.Collections.Concurrent;
using Cluster.Replication.Caches;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Accounts;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.Host;

/// <summary>
/// The access token check with the tokens this process has seen kept in memory: every
/// authenticated request checks its token, and a long-polling /sync client makes several
/// requests per message, so a PostgreSQL round trip each time was a tenth of the server's CPU.
/// </summary>
/// <remarks>
/// Keyed by the token's SHA-256 (the token itself is never kept), only tokens that exist are
/// cached, each for <see cref="TimeToLive"/>. Revoking a token (logout, device deletion,
/// password change, deactivation) goes through <see cref="AccessTokenRevocations"/>, which drops
/// the user's entries here before the revoking request answers and writes an invalidation
/// (cache <see cref="CacheName"/>, key = user ID) that every other process applies when the
/// cache invalidation stream brings it. A lookup that was in flight when an invalidation arrived
/// is answered but not kept: it may have read the token before the revocation committed. The
/// time to live bounds what a lost invalidation (a process dying between the revocation's
/// commit and the invalidation's) could leave behind.
/// </remarks>
public sealed class AccessTokenCache : IAccessTokenValidator, IInvalidatableCache
{
    public const string CacheName = "access_tokens";

    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(30);

    /// <summary>Most tokens kept; beyond it the expired ones go, and then everything.</summary>
    public const int MaxEntries = 100_000;

    private readonly AccessTokenStore _tokens;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _generation;

    public AccessTokenCache(AccessTokenStore tokens, CacheRegistry caches, TimeProvider clock)
    {
        _tokens = tokens;
        _clock = clock;
        caches.Register(this);
    }

    public string Name => CacheName;

    public int Count => _entries.Count;

    public async ValueTask<Requester?> ValidateAsync(string accessToken, CancellationToken cancellationToken)
    {
        if (!AccessTokens.LooksValid(accessToken))
            return null;
        var key = Convert.ToBase64String(AccessTokens.Hash(accessToken));
        var now = _clock.GetUtcNow();
        if (_entries.TryGetValue(key, out var cached) && cached.Expires > now)
        {
            CacheMetrics.Hit(CacheName);
            return cached.Requester;
        }
        CacheMetrics.Miss(CacheName);
        var generation = Volatile.Read(ref _generation);
        var requester = await _tokens.FindAsync(accessToken, cancellationToken);
        lock (_lock)
        {
            if (requester is null)
                _entries.TryRemove(key, out _);
            else if (_generation == generation)
            {
                if (_entries.Count >= MaxEntries)
                    Trim(now);
                _entries[key] = new Entry(requester, requester.User.ToString(), now + TimeToLive);
            }
        }
        return requester;
    }

    /// <summary>Drops every cached token of the users named by <paramref name="keys"/> (user IDs).</summary>
    public void Invalidate(IReadOnlyList<string> keys)
    {
        var users = keys.ToHashSet(StringComparer.Ordinal);
        lock (_lock)
        {
            _generation++;
            // Revocations are rare next to lookups: a scan here keeps lookups free of a per-user index.
            foreach (var (key, entry) in _entries)
                if (users.Contains(entry.UserId))
                    _entries.TryRemove(key, out _);
        }
    }

    public void InvalidateAll()
    {
        lock (_lock)
        {
            _generation++;
            _entries.Clear();
        }
    }

    private void Trim(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
            if (entry.Expires <= now)
                _entries.TryRemove(key, out _);
        if (_entries.Count >= MaxEntries)
            _entries.Clear();
    }

    private sealed record Entry(Requester Requester, string UserId, DateTimeOffset Expires);
}

/// <summary>
/// What every change that revokes access tokens goes through, so that no process keeps
/// accepting them from its <see cref="AccessTokenCache"/>.
/// </summary>
public sealed class AccessTokenRevocations(CacheRegistry caches, IServiceProvider services)
{
    /// <summary>
    /// Runs <paramref name="revoke"/> (a store call that deletes some of the user's tokens), then
    /// drops the user's cached tokens here and announces it to the other processes, even when the
    /// revocation failed part-way (an invalidation too many costs one lookup).
    /// </summary>
    public async Task<T> RevokeAsync<T>(UserId user, Func<CancellationToken, Task<T>> revoke, CancellationToken cancellationToken)
    {
        try
        {
            return await revoke(cancellationToken);
        }
        finally
        {
            await AnnounceAsync(user);
        }
    }

    public Task RevokeAsync(UserId user, Func<CancellationToken, Task> revoke, CancellationToken cancellationToken) =>
        RevokeAsync(user, async ct =>
        {
            await revoke(ct);
            return true;
        }, cancellationToken);

    // Not cancellable: once tokens are deleted the other processes must hear of it even if the
    // client has gone. This process drops them first, so that holds here even if the write fails.
    private async Task AnnounceAsync(UserId user)
    {
        var invalidation = new CacheInvalidation(AccessTokenCache.CacheName, [user.ToString()]);
        caches.Apply(invalidation);
        await services.GetRequiredService<CacheInvalidator>().InvalidateAsync([invalidation], CancellationToken.None);
    }
}

public static class AccessTokenCacheServices
{
    /// <summary>
    /// The cached token check and the revocations that invalidate it; before
    /// <c>AddAccountStorage</c>, whose uncached check it replaces. Needs the cache invalidation stream.
    /// </summary>
    public static IServiceCollection AddAccessTokenCache(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AccessTokenStore>();
        services.TryAddSingleton<AccessTokenCache>();
        services.TryAddSingleton<IAccessTokenValidator>(provider => provider.GetRequiredService<AccessTokenCache>());
        services.TryAddSingleton<AccessTokenRevocations>();
        return services;
    }
}
