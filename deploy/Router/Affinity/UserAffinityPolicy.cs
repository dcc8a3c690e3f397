using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Cluster.Router.Affinity;

/// <summary>
/// Sends each user's requests to the same destination of the cluster (the /sync readers) by
/// consistent hashing over every destination, healthy or not, so that a reader going down moves
/// only its own users (to the next healthy reader on the ring) and coming back takes them back.
/// Requests without an access token are spread at random.
/// </summary>
public sealed class UserAffinityPolicy : ILoadBalancingPolicy
{
    public const string Name = "MatrixUserHash";

    // One ring per cluster, rebuilt only when the cluster's destinations change.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<ClusterState, HashRing> _rings = [];

    string ILoadBalancingPolicy.Name => Name;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        if (availableDestinations.Count == 0)
            return null;
        if (SyncAffinityKey.Of(context.Request) is not { } key)
            return availableDestinations[Random.Shared.Next(availableDestinations.Count)];
        var chosen = RingOf(cluster).Find(key, id => IndexOf(availableDestinations, id) >= 0);
        return chosen is null ? null : availableDestinations[IndexOf(availableDestinations, chosen)];
    }

    private HashRing RingOf(ClusterState cluster)
    {
        var ids = cluster.Destinations.Keys.Order(StringComparer.Ordinal).ToArray();
        if (_rings.TryGetValue(cluster, out var ring) && ring.Nodes.Order(StringComparer.Ordinal).SequenceEqual(ids))
            return ring;
        ring = new HashRing(ids);
        _rings.AddOrUpdate(cluster, ring);
        return ring;
    }

    private static int IndexOf(IReadOnlyList<DestinationState> destinations, string id)
    {
        for (var i = 0; i < destinations.Count; i++)
            if (destinations[i].DestinationId == id)
                return i;
        return -1;
    }
}
