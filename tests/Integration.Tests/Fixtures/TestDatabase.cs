using Npgsql;

namespace Cluster.Integration.Tests.Fixtures;

/// <summary>
/// A fresh, empty PostgreSQL database on the test server, dropped on dispose, so test
/// fixtures (and test assemblies running in parallel) never see each other's rows or schema.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _adminConnectionString;

    private TestDatabase(string adminConnectionString, string name, string connectionString)
    {
        _adminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }
    public string ConnectionString { get; }

    public static async Task<TestDatabase> CreateAsync(CancellationToken cancellationToken = default)
    {
        var admin = new NpgsqlConnectionStringBuilder(BackingServices.Postgres) { Database = "postgres", Pooling = false };
        var name = "test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        var own = new NpgsqlConnectionStringBuilder(BackingServices.Postgres) { Database = name };
        return new TestDatabase(admin.ConnectionString, name, own.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
