using Cluster.Shared.Storage.Events;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.StreamWriters.Common;

public static class StreamWriterCommonServices
{
    /// <summary>What the stream writers share: the clock and the room stores their checks read.</summary>
    public static IServiceCollection AddStreamWriterCommon(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddRoomStores();
        return services;
    }
}
