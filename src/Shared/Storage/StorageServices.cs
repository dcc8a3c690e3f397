using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Cluster.Shared.Storage;

/// <summary>Registers the process's one PostgreSQL pool and the stores built on it.</summary>
public static class StorageServices
{
    /// <summary>
    /// One <see cref="NpgsqlDataSource"/> per process (a singleton, so every store shares the
    /// pool and prepared statements) plus the <see cref="InstanceRegistry"/>. Safe to call twice.
    /// </summary>
    /// <param name="defaultMaxPoolSize">
    /// The pool's limit unless the connection string sets <c>Maximum Pool Size</c>: a worker
    /// cluster runs many processes against one PostgreSQL, and their pools together must stay
    /// under its <c>max_connections</c> (a request waits for a pooled connection rather than
    /// PostgreSQL refusing a new one).
    /// </param>
    public static IServiceCollection AddClusterPostgres(this IServiceCollection services, string connectionString, int? defaultMaxPoolSize = null)
    {
        var settings = WithClusterDefaults(connectionString, defaultMaxPoolSize);
        services.TryAddSingleton(provider => new NpgsqlDataSourceBuilder(settings)
            .UseLoggerFactory(provider.GetRequiredService<ILoggerFactory>())
            .Build());
        services.TryAddSingleton<InstanceRegistry>();
        return services;
    }

    /// <summary>
    /// The operator's connection string with this server's defaults for whatever it leaves unset.
    /// </summary>
    public static string WithClusterDefaults(string connectionString, int? defaultMaxPoolSize = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (defaultMaxPoolSize is { } limit && !Sets(connectionString, "MaximumPoolSize", "MaxPoolSize"))
            settings.MaxPoolSize = limit;
        // The hot statements (send, sync, stream catch-up) repeat thousands of times a second:
        // prepared once per connection, PostgreSQL skips parsing and planning them each time.
        if (!Sets(connectionString, "MaxAutoPrepare"))
            settings.MaxAutoPrepare = AutoPreparedStatements;
        // Returning a connection to the pool would otherwise reset its session with seven
        // statements (prepared statements rule out DISCARD ALL) on its next use: about 35 per
        // message under load. No code keeps session state: no SET, LISTEN, temporary tables, or
        // session advisory lock left held (the migrator's is released explicitly).
        if (!Sets(connectionString, "NoResetOnClose"))
            settings.NoResetOnClose = true;
        // Nothing here uses TransactionScope: without this every connection opened would look for an
        // ambient transaction (and load System.Transactions to do so).
        if (!Sets(connectionString, "Enlist"))
            settings.Enlist = false;
        // Npgsql's default (Prefer) looks for Kerberos credentials on every new connection, which
        // loads the system's GSSAPI libraries into every process (1.5 MB of RSS each) for a
        // feature a deployment that wants it names: "GSS Encryption Mode=Prefer" or "Require".
        if (!Sets(connectionString, "GssEncryptionMode", "GssEncMode"))
            settings.GssEncryptionMode = GssEncryptionMode.Disable;
        return settings.ConnectionString;
    }

    /// <summary>Statements each connection prepares automatically once used a few times, unless the connection string says otherwise.</summary>
    public const int AutoPreparedStatements = 128;

    private static bool Sets(string connectionString, params string[] keys) =>
        connectionString.Split(';').Select(part => part.Split('=', 2)[0].Replace(" ", "", StringComparison.Ordinal).Trim())
            .Any(key => keys.Contains(key, StringComparer.OrdinalIgnoreCase));
}
