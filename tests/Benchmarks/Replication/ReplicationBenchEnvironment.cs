using Cluster.Replication.Tests.Streams.Support;
using Cluster.Replication.Bus;
using Cluster.Replication.Streams;
using Cluster.Replication.Tokens;
using Cluster.Shared.Storage;
using Npgsql;
using StackExchange.Redis;

namespace Cluster.Benchmarks.Replication;

/// <summary>
/// A throw-away database on the PostgreSQL named by Cluster__Postgres (migrated, plus the
/// benchmark stream's table), Redis connections to Cluster__Redis on a private channel, and
/// the writer and reader "processes" a benchmark starts on them. See README.md for starting
/// both servers with deploy/lib/services.sh.
/// </summary>
public sealed class ReplicationBenchEnvironment : IAsyncDisposable
{
    private readonly string _adminConnectionString;
    private readonly string _databaseName;
    private readonly string _channel = "bench.replication." + Guid.NewGuid().ToString("N")[..12];
    private readonly List<IAsyncDisposable> _owned = [];

    private ReplicationBenchEnvironment(string adminConnectionString, string databaseName, string connectionString)
    {
        _adminConnectionString = adminConnectionString;
        _databaseName = databaseName;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<ReplicationBenchEnvironment> CreateAsync()
    {
        var postgres = Required("Cluster__Postgres");
        var admin = new NpgsqlConnectionStringBuilder(postgres) { Database = "postgres", Pooling = false };
        var name = "bench_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'", connection);
            await create.ExecuteNonQueryAsync();
        }
        var environment = new ReplicationBenchEnvironment(
            admin.ConnectionString, name, new NpgsqlConnectionStringBuilder(postgres) { Database = name, MaxPoolSize = 50 }.ConnectionString);
        await using var setup = NpgsqlDataSource.Create(environment.ConnectionString);
        await SchemaMigrator.MigrateAsync(setup, CancellationToken.None);
        await using var schema = setup.CreateCommand(TestRowStream.Schema);
        await schema.ExecuteNonQueryAsync();
        return environment;
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set: start PostgreSQL and Redis as tests/Benchmarks/Replication/README.md shows.");

    public NpgsqlDataSource NewDataSource()
    {
        var source = NpgsqlDataSource.Create(ConnectionString);
        _owned.Add(source);
        return source;
    }

    /// <summary>A Redis connection and bus of its own, as a separate process would have.</summary>
    public async Task<IReplicationBus> NewRedisBusAsync()
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(RedisReplicationBus.ConnectionOptions(Required("Cluster__Redis")));
        var bus = await RedisReplicationBus.CreateAsync(connection, _channel);
        _owned.Add(connection);
        _owned.Add(bus);
        return bus;
    }

    public async Task<StreamWriter<string>> StartWriterAsync(string name, IReplicationBus bus)
    {
        var dataSource = NewDataSource();
        var id = await new InstanceRegistry(dataSource).GetOrRegisterAsync(name, CancellationToken.None);
        var writer = await StreamWriter<string>.StartAsync(TestRowStream.Instance, dataSource, bus, id);
        _owned.Add(writer);
        return writer;
    }

    public async Task<StreamFollower<string>> StartFollowerAsync(
        IReplicationBus bus, IStreamConsumer<string>? consumer = null, StreamFollowerOptions? options = null)
    {
        var follower = new StreamFollower<string>(TestRowStream.Instance, NewDataSource(), bus, options);
        if (consumer is not null)
            follower.AddConsumer(consumer);
        await follower.StartAsync(CancellationToken.None);
        _owned.Add(follower);
        return follower;
    }

    public static Task CaughtUpAsync(StreamFollower<string> follower, IEnumerable<StreamWriter<string>> writers) =>
        follower.Notifier.WaitUntilReachedAsync(
                TestRowStream.Instance.Name,
                StreamPositionVector.Create(0, writers.Select(w => new WriterPosition(w.WriterId, w.Position))),
                CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        // Followers and writers first (last started), then buses, connections and pools.
        for (var i = _owned.Count - 1; i >= 0; i--)
            await _owned[i].DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_databaseName} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
