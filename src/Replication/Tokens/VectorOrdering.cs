namespace Cluster.Replication.Tokens;

/// <summary>
/// How two position vectors relate. Vectors are only partially ordered: when one writer is ahead in the first
/// and another writer is ahead in the second, neither has seen everything the other has.
/// </summary>
public enum VectorOrdering
{
    /// <summary>Every writer is at the same position in both.</summary>
    Equal,
    /// <summary>No writer is further in the first, and at least one is further in the second.</summary>
    Before,
    /// <summary>No writer is further in the second, and at least one is further in the first.</summary>
    After,
    /// <summary>Each has some writer further than the other.</summary>
    Concurrent,
}
