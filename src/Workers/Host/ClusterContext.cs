using Cluster.Replication.Hosting;
using Cluster.Replication.Streams.Events;
using Cluster.Shared.Configuration.Topology;

namespace Cluster.Workers.Host;

/// <summary>
/// Where this process sits: in a worker cluster the topology and this process's instance in it;
/// in single-process mode neither (one process hosts every role and writes every stream).
/// </summary>
public sealed class ClusterContext(ClusterTopology? topology, TopologyInstance? instance)
{
    public static readonly ClusterContext SingleProcess = new(null, null);

    public ClusterTopology? Topology { get; } = topology;

    public TopologyInstance? Instance { get; } = instance;

    public bool IsCluster => Topology is not null;

    /// <summary>The instance that writes <paramref name="stream"/>, or null when this process writes it (single-process mode, or the topology says so).</summary>
    public TopologyInstance? RemoteWriterOf(string stream)
    {
        if (Topology is null || Instance is null)
            return null;
        var writer = Topology.StreamWriters[stream];
        return writer == Instance.Name ? null : Topology.Instance(writer);
    }

    /// <summary>The persister that owns <paramref name="roomId"/>, or null when that is this process.</summary>
    public TopologyInstance? RemotePersisterOf(string roomId)
    {
        if (Topology is null || Instance is null)
            return null;
        var owner = Topology.PersisterOf(roomId);
        return owner.Name == Instance.Name ? null : owner;
    }

    /// <summary>
    /// Whether this process sends federation traffic to <paramref name="destination"/>: in a
    /// cluster, when the topology's federation senders shard it here; alone, always.
    /// </summary>
    public bool SendsTo(string destination) =>
        Topology is null || Instance is null || Topology.FederationSenderOf(destination) == Instance.Name;

    /// <summary>
    /// Whether this process processes the inbound PDUs of <paramref name="roomId"/>: in a
    /// cluster, when the topology's federation readers shard the room here; alone, always.
    /// </summary>
    public bool ProcessesInboundPdusOf(string roomId) =>
        Topology is null || Instance is null || Topology.InboundPduProcessorOf(roomId) == Instance.Name;
}

/// <summary>Which streams an instance of a topology writes: events if it persists, the others as <c>stream_writers</c> says.</summary>
public sealed class TopologyStreamOwnership(ClusterTopology topology, TopologyInstance instance) : IStreamOwnership
{
    public bool Writes(string stream) =>
        stream == EventsStream.StreamName
            ? instance.Has(Roles.EventPersister)
            : topology.StreamWriters.TryGetValue(stream, out var writer) && writer == instance.Name;
}
