using Cluster.Integration.Tests.Fixtures;
using Npgsql;

namespace Cluster.Integration.Tests.Storage;

/// <summary>
/// Gives each test its own empty database: migration tests are about what happens to a
/// database over time, so no test may inherit another's schema.
/// </summary>
public abstract class FreshDatabaseTest
{
    private readonly List<NpgsqlDataSource> _sources = [];

    protected TestDatabase Database { get; private set; } = null!;

    /// <summary>A data source on the test's database, disposed after the test.</summary>
    protected NpgsqlDataSource DataSource { get; private set; } = null!;

    [SetUp]
    public async Task CreateDatabase()
    {
        Database = await TestDatabase.CreateAsync();
        DataSource = NpgsqlDataSource.Create(Database.ConnectionString);
    }

    [TearDown]
    public async Task DropDatabase()
    {
        await DataSource.DisposeAsync();
        foreach (var source in _sources)
            await source.DisposeAsync();
        _sources.Clear();
        await Database.DisposeAsync();
    }

    /// <summary>Another, independent pool on the same database, as a second process would have.</summary>
    protected NpgsqlDataSource NewDataSource()
    {
        var source = NpgsqlDataSource.Create(Database.ConnectionString);
        _sources.Add(source);
        return source;
    }

    protected async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var p in parameters)
            command.Parameters.AddWithValue(p);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }

    protected async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var p in parameters)
            command.Parameters.AddWithValue(p);
        await command.ExecuteNonQueryAsync();
    }

    protected async Task<List<T>> ColumnAsync<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var p in parameters)
            command.Parameters.AddWithValue(p);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
            values.Add(reader.GetFieldValue<T>(0));
        return values;
    }

    /// <summary>Bounds a wait that should end quickly, so a hang fails the test instead of the run.</summary>
    protected static async Task<T> Within<T>(Task<T> task, TimeSpan limit)
    {
        var finished = await Task.WhenAny(task, Task.Delay(limit));
        Assert.That(finished, Is.SameAs(task), $"did not finish within {limit.TotalSeconds} s");
        return await task;
    }
}
