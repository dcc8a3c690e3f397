using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Workers.Background;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cluster.ClientApi.Tests.Background;

/// <summary>The background role deletes cache invalidations past their retention and keeps the rest.</summary>
public class CacheInvalidationPruningTests : HomeserverFixture
{
    [Test]
    public async Task Invalidations_older_than_the_retention_are_deleted_and_newer_ones_kept()
    {
        await using var data = NpgsqlDataSource.Create(Server.DatabaseConnectionString);
        await using (var insert = data.CreateCommand("""
            INSERT INTO cache_invalidation_stream (stream_id, instance_id, cache_name, keys, invalidated_at)
            SELECT s.id, (SELECT min(instance_id) FROM instances), 'pruning-test', NULL, now() - s.age
            FROM (VALUES (-1002, interval '2 hours'), (-1001, interval '1 minute')) AS s(id, age)
            """))
            await insert.ExecuteNonQueryAsync();

        var deleted = await Server.Services.GetRequiredService<CacheInvalidationPruning>().PruneOnceAsync(CancellationToken.None);

        Assert.That(deleted, Is.GreaterThanOrEqualTo(1));
        await using var remaining = data.CreateCommand("SELECT array_agg(stream_id ORDER BY stream_id) FROM cache_invalidation_stream WHERE cache_name = 'pruning-test'");
        Assert.That(await remaining.ExecuteScalarAsync(), Is.EqualTo(new long[] { -1001 }));
    }
}

/// <summary>The background role forgets inbound federation transaction IDs past their retention and keeps the rest.</summary>
public class InboundTransactionPruningTests : HomeserverFixture
{
    [Test]
    public async Task Transaction_ids_older_than_the_retention_are_forgotten_and_newer_ones_kept()
    {
        await using var data = NpgsqlDataSource.Create(Server.DatabaseConnectionString);
        var now = DateTimeOffset.UtcNow;
        await using (var insert = data.CreateCommand(
            "INSERT INTO federation_inbound_transactions (origin, txn_id, received_ts) VALUES ('prune.example', 'old', $1), ('prune.example', 'new', $2)"))
        {
            insert.Parameters.AddWithValue((now - TimeSpan.FromDays(2)).ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue((now - TimeSpan.FromMinutes(1)).ToUnixTimeMilliseconds());
            await insert.ExecuteNonQueryAsync();
        }

        var deleted = await Server.Services.GetRequiredService<InboundTransactionPruning>().PruneOnceAsync(CancellationToken.None);

        Assert.That(deleted, Is.GreaterThanOrEqualTo(1));
        await using var remaining = data.CreateCommand("SELECT array_agg(txn_id ORDER BY txn_id) FROM federation_inbound_transactions WHERE origin = 'prune.example'");
        Assert.That(await remaining.ExecuteScalarAsync(), Is.EqualTo(new[] { "new" }));
    }
}
