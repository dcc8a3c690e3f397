using Cluster.Replication.Hosting;
using Cluster.Replication.Tokens;
using Cluster.Shared.Storage.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Replication.Streams.Events;

public static class EventsStreamServices
{
    /// <summary>
    /// Hosts the events stream (<c>StreamHost&lt;EventStreamRow&gt;</c>) once, however many roles of
    /// the process ask for it: the persister writes it, sync and client readers follow it.
    /// </summary>
    public static IServiceCollection AddEventsStream(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(StreamHost<EventStreamRow>)))
            return services;
        return services.AddStream(EventsStream.Instance);
    }

    /// <summary>The vector as the stores take stream bounds.</summary>
    public static StreamBound ToStreamBound(this StreamPositionVector positions)
    {
        var ahead = positions.WritersAhead;
        var writers = new (int Writer, long Position)[ahead.Length];
        for (var i = 0; i < ahead.Length; i++)
            writers[i] = (ahead[i].WriterId, ahead[i].Position);
        return new StreamBound(positions.Minimum, writers);
    }
}
