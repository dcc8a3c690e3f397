using Microsoft.Extensions.Options;
using Npgsql;

namespace Cluster.Workers.Background;

/// <summary>Deletes old rows of the cache invalidation stream, which otherwise grows with every write.</summary>
public sealed class CacheInvalidationPruning(
    NpgsqlDataSource dataSource, IOptions<PruningOptions> options, TimeProvider time, ILogger<CacheInvalidationPruning> logger)
    : PeriodicPruning(options.Value, time, logger)
{
    protected override string What => "the cache invalidation stream";

    public override async Task<int> PruneOnceAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM cache_invalidation_stream WHERE invalidated_at < $1");
        command.Parameters.Add(new NpgsqlParameter { Value = Time.GetUtcNow() - options.Value.CacheInvalidationRetention });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
