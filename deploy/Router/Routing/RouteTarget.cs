using Cluster.Shared.Configuration.Topology;

namespace Cluster.Router.Routing;

/// <summary>Where the routing table sends a request: the instances of a role, or the writer of a stream.</summary>
public abstract record RouteTarget
{
    /// <summary>Every instance with <paramref name="Name"/>; <paramref name="PinnedByUser"/> keeps each user on one of them (consistent hashing).</summary>
    public sealed record Role(string Name, bool PinnedByUser = false) : RouteTarget
    {
        public override string ToString() => PinnedByUser ? $"{Name} (pinned by user)" : Name;
    }

    /// <summary>The one instance <c>stream_writers</c> names for <paramref name="Stream"/>.</summary>
    public sealed record WriterOf(string Stream) : RouteTarget
    {
        public override string ToString() => $"writer of {Stream}";
    }

    /// <summary>The instances this target resolves to in <paramref name="topology"/>: empty when none has the role.</summary>
    public IReadOnlyList<TopologyInstance> Instances(ClusterTopology topology) => this switch
    {
        Role role => [.. topology.WithRole(role.Name)],
        WriterOf writer => [topology.Instance(topology.StreamWriters[writer.Stream])],
        _ => throw new InvalidOperationException($"Unknown route target {this}."),
    };

    /// <summary>
    /// The YARP cluster of this target. Writers are clustered by instance, not by stream, so an
    /// instance that writes several streams is health-checked once.
    /// </summary>
    public string ClusterId(ClusterTopology topology) => this switch
    {
        Role { PinnedByUser: true } role => $"role:{role.Name}:by-user",
        Role role => $"role:{role.Name}",
        WriterOf writer => $"instance:{topology.StreamWriters[writer.Stream]}",
        _ => throw new InvalidOperationException($"Unknown route target {this}."),
    };
}
