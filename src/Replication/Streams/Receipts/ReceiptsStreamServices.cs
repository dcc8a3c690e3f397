using Cluster.Replication.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Replication.Streams.Receipts;

public static class ReceiptsStreamServices
{
    /// <summary>The receipts stream and <see cref="ReceiptsReader"/>. Safe to call more than once.</summary>
    public static IServiceCollection AddReceiptsStream(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(ReceiptsReader)))
            return services;
        services.AddSingleton<ReceiptsReader>();
        services.AddStream(ReceiptsStream.Instance);
        return services;
    }
}
