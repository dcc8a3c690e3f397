using Cluster.Replication.Notifier;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.Host;
using Cluster.Workers.Host.Internal;
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

    /// <summary>
    /// Makes <typeparamref name="TWriter"/> injectable as the writes of <paramref name="stream"/>:
    /// <typeparamref name="TLocal"/> where this instance writes the stream (single-process mode,
    /// or the topology names it), otherwise the remote writer <paramref name="remote"/> builds,
    /// which sends each write to the stream's writer instance. <typeparamref name="TLocal"/> is
    /// registered either way, for the internal endpoints. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddStreamWrites<TWriter, TLocal>(
        this IServiceCollection services, string stream, Func<RemoteStreamWriter, TWriter> remote)
        where TWriter : class
        where TLocal : class, TWriter
    {
        services.TryAddSingleton<TLocal>();
        services.TryAddSingleton<TWriter>(provider =>
            provider.GetRequiredService<ClusterContext>().RemoteWriterOf(stream) is { } writer
                ? remote(new RemoteStreamWriter(
                    provider.GetRequiredService<InternalClient>(), writer, stream,
                    provider.GetRequiredService<StreamNotifier>(), provider.GetRequiredService<ILogger<RemoteStreamWriter>>()))
                : provider.GetRequiredService<TLocal>());
        return services;
    }
}
