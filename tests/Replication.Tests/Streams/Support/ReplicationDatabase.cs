using Cluster.Integration.Tests.Fixtures;
using Cluster.Shared.Storage;
using Npgsql;

namespace Cluster.Replication.Tests.Streams.Support;

/// <summary>A fresh, migrated database with the test stream's table, and a way to open "processes" on it.</summary>
public sealed class ReplicationDatabase : IAsyncDisposable
{
    private readonly TestDatabase _database;
    private readonly List<NpgsqlDataSource> _sources = [];

    private ReplicationDatabase(TestDatabase database, NpgsqlDataSource admin)
    {
        _database = database;
        Admin = admin;
        _sources.Add(admin);
    }

    /// <summary>A data source for setup and inspection; processes under test get their own.</summary>
    public NpgsqlDataSource Admin { get; }

    public static async Task<ReplicationDatabase> CreateAsync()
    {
        var database = await TestDatabase.CreateAsync();
        var admin = NpgsqlDataSource.Create(database.ConnectionString);
        var created = new ReplicationDatabase(database, admin);
        await SchemaMigrator.MigrateAsync(admin, CancellationToken.None);
        await using var command = admin.CreateCommand(TestRowStream.Schema);
        await command.ExecuteNonQueryAsync();
        return created;
    }

    /// <summary>A separate pool, as another process would have.</summary>
    public NpgsqlDataSource NewDataSource()
    {
        var source = NpgsqlDataSource.Create(_database.ConnectionString);
        lock (_sources)
            _sources.Add(source);
        return source;
    }

    /// <summary>Empties the streams, their positions and sequences: a fresh start without recreating the database.</summary>
    public async Task ResetAsync()
    {
        await using var command = Admin.CreateCommand(
            "TRUNCATE test_rows_stream, cache_invalidation_stream; DELETE FROM stream_positions; " +
            "ALTER SEQUENCE test_rows_stream_seq RESTART; ALTER SEQUENCE caches_stream_seq RESTART;");
        await command.ExecuteNonQueryAsync();
    }

    public Task<int> RegisterAsync(string instanceName) =>
        new InstanceRegistry(Admin).GetOrRegisterAsync(instanceName, CancellationToken.None);

    public async Task<long?> StoredPositionAsync(string stream, int writerId)
    {
        await using var command = Admin.CreateCommand(
            "SELECT stream_id FROM stream_positions WHERE stream_name = $1 AND instance_id = $2");
        command.Parameters.AddWithValue(stream);
        command.Parameters.AddWithValue(writerId);
        return await command.ExecuteScalarAsync() as long?;
    }

    /// <summary>Every committed row of the test stream, by writer, ascending.</summary>
    public async Task<Dictionary<int, List<(long Position, string Body)>>> CommittedRowsAsync()
    {
        var rows = new Dictionary<int, List<(long, string)>>();
        await using var command = Admin.CreateCommand("SELECT instance_id, stream_id, body FROM test_rows_stream ORDER BY stream_id");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var writer = reader.GetInt32(0);
            if (!rows.TryGetValue(writer, out var list))
                rows[writer] = list = [];
            list.Add((reader.GetInt64(1), reader.GetString(2)));
        }
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources)
            await source.DisposeAsync();
        await _database.DisposeAsync();
    }
}
