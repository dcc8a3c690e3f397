namespace Cluster.Replication.Tokens;

/// <summary>
/// How far one writer of a stream has got: every row it wrote at or below <paramref name="Position"/> is
/// persisted. <paramref name="WriterId"/> is the writer's <c>instance_id</c> from the instance registry.
/// </summary>
public readonly record struct WriterPosition(int WriterId, long Position);
