using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.StreamWriters.Common;

public static class StreamWriterCommonServices
{
    /// <summary>The room checks the stream writers share; a store registered earlier (the rooms store) wins.</summary>
    public static IServiceCollection AddStreamWriterCommon(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IRoomMembership, CurrentStateRoomMembership>();
        services.TryAddSingleton<IRoomEvents, StoredRoomEvents>();
        return services;
    }
}
