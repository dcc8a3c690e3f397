using Cluster.Replication.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Replication.Streams.ToDevice;

public static class ToDeviceStreamServices
{
    /// <summary>The to-device stream and <see cref="ToDeviceReader"/>. Safe to call more than once.</summary>
    public static IServiceCollection AddToDeviceStream(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(ToDeviceReader)))
            return services;
        services.AddSingleton<ToDeviceReader>();
        services.AddStream(ToDeviceStream.Instance);
        return services;
    }
}
