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
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (defaultMaxPoolSize is { } limit && !SetsPoolSize(connectionString))
            settings.MaxPoolSize = limit;
        services.TryAddSingleton(provider => new NpgsqlDataSourceBuilder(settings.ConnectionString)
            .UseLoggerFactory(provider.GetRequiredService<ILoggerFactory>())
            .Build());
        services.TryAddSingleton<InstanceRegistry>();
        return services;
    }

    private static bool SetsPoolSize(string connectionString) =>
        connectionString.Split(';').Select(part => part.Split('=', 2)[0].Replace(" ", "", StringComparison.Ordinal).Trim())
            .Any(key => key.Equals("MaximumPoolSize", StringComparison.OrdinalIgnoreCase) || key.Equals("MaxPoolSize", StringComparison.OrdinalIgnoreCase));
}
