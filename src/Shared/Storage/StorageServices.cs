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
    public static IServiceCollection AddClusterPostgres(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        services.TryAddSingleton(provider => new NpgsqlDataSourceBuilder(connectionString)
            .UseLoggerFactory(provider.GetRequiredService<ILoggerFactory>())
            .Build());
        services.TryAddSingleton<InstanceRegistry>();
        return services;
    }
}
