using Cluster.Replication.Streams;
using Npgsql;

namespace Cluster.Replication.Caches;

/// <summary>
/// Writes cache invalidations to the stream, either on their own or inside the transaction of
/// the change that makes the cached values stale, and applies them to this process's caches as
/// soon as they commit (other processes get them through their followers).
/// </summary>
public sealed class CacheInvalidator(StreamWriter<CacheInvalidation> writer, CacheRegistry localCaches)
{
    public StreamWriter<CacheInvalidation> Writer => writer;

    /// <summary>Records the invalidations in their own transaction.</summary>
    public async Task InvalidateAsync(IReadOnlyList<CacheInvalidation> invalidations, CancellationToken cancellationToken)
    {
        await writer.WriteAsync(invalidations, cancellationToken).ConfigureAwait(false);
        foreach (var invalidation in invalidations)
            localCaches.Apply(invalidation);
    }

    public Task InvalidateAsync(string cacheName, params IReadOnlyList<string> keys) =>
        InvalidateAsync([new CacheInvalidation(cacheName, keys)], CancellationToken.None);

    /// <summary>
    /// Records the invalidations inside the caller's transaction. After the commit call
    /// <see cref="PendingInvalidations.Committed"/>; after a rollback dispose it.
    /// </summary>
    public async Task<PendingInvalidations> InvalidateInTransactionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<CacheInvalidation> invalidations,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(invalidations.Count);
        var allocation = await writer.AllocateAsync(invalidations.Count, connection, cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = allocation.Rows(invalidations);
            await CacheInvalidationStream.Instance.InsertAsync(connection, transaction, rows, cancellationToken).ConfigureAwait(false);
            return new PendingInvalidations(allocation, rows, localCaches);
        }
        catch
        {
            allocation.Dispose();
            throw;
        }
    }
}

/// <summary>Invalidations written in a transaction that has not committed yet.</summary>
public sealed class PendingInvalidations : IDisposable
{
    private readonly StreamAllocation<CacheInvalidation> _allocation;
    private readonly IReadOnlyList<StreamRow<CacheInvalidation>> _rows;
    private readonly CacheRegistry _localCaches;

    internal PendingInvalidations(
        StreamAllocation<CacheInvalidation> allocation, IReadOnlyList<StreamRow<CacheInvalidation>> rows, CacheRegistry localCaches)
    {
        _allocation = allocation;
        _rows = rows;
        _localCaches = localCaches;
    }

    /// <summary>The transaction committed: apply locally and announce.</summary>
    public void Committed()
    {
        foreach (var row in _rows)
            _localCaches.Apply(row.Data);
        _allocation.Complete(_rows);
    }

    /// <summary>Abandons the positions unless <see cref="Committed"/> was called.</summary>
    public void Dispose() => _allocation.Dispose();
}
