using Cluster.Replication.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Replication.Streams.AccountData;

public static class AccountDataStreamServices
{
    /// <summary>The account data stream and <see cref="AccountDataReader"/>. Safe to call more than once.</summary>
    public static IServiceCollection AddAccountDataStream(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(AccountDataReader)))
            return services;
        services.AddSingleton<AccountDataReader>();
        services.AddStream(AccountDataStream.Instance);
        return services;
    }
}
