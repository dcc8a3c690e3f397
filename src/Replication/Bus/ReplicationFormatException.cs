namespace Cluster.Replication.Bus;

/// <summary>A bus message or row payload that does not follow the wire format.</summary>
public sealed class ReplicationFormatException(string message) : Exception(message);
