using Cluster.Replication.Caches;
using Cluster.Shared.Http;
using Cluster.Shared.Json;

namespace Cluster.Workers.ClientReader.Filters;

/// <summary>
/// The <c>filter</c> query parameter of /sync (and /messages): a stored filter's ID, or inline
/// JSON when it starts with '{'. Absent gives <see cref="Filter.Default"/>.
/// </summary>
/// <remarks>
/// Clients send the same filter ID with every /sync. A stored filter never changes and is never
/// deleted, so the parsed filters found are kept (per process, at most <see cref="MaxCached"/>)
/// with nothing to invalidate.
/// </remarks>
public sealed class FilterResolver(FilterStore store)
{
    public const int MaxCached = 10_000;

    /// <summary>Its name in the <see cref="CacheMetrics"/>.</summary>
    public const string CacheName = "stored_filters";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string User, string Id), Filter> _stored = new();

    public async Task<Filter> ResolveAsync(string userId, string? filterParameter, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(filterParameter))
            return Filter.Default;
        if (filterParameter.StartsWith('{'))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(filterParameter);
            if (bytes.Length > FilterParser.MaxFilterBytes)
                throw MatrixException.TooLarge($"Filters are limited to {FilterParser.MaxFilterBytes} bytes.");
            // Errors of the inline JSON itself are 400 M_NOT_JSON / M_BAD_JSON through the middleware.
            return FilterParser.Parse(StrictJson.ParseObject(bytes));
        }
        if (_stored.TryGetValue((userId, filterParameter), out var cached))
        {
            CacheMetrics.Hit(CacheName);
            return cached;
        }
        CacheMetrics.Miss(CacheName);
        var stored = await store.GetAsync(userId, filterParameter, cancellationToken)
            ?? throw MatrixException.InvalidParam($"No filter with ID '{filterParameter}'.");
        var filter = FilterParser.Parse(StrictJson.ParseObject(stored));
        if (_stored.Count >= MaxCached)
            _stored.Clear();
        _stored[(userId, filterParameter)] = filter;
        return filter;
    }
}
