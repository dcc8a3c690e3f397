using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Cluster.Shared.Configuration.Topology;

/// <summary>
/// Which event persister shard a room belongs to: a hash of the room ID that never changes
/// between versions, processes or machines (so not <see cref="string.GetHashCode()"/>).
/// </summary>
public static class RoomShards
{
    public static int ShardOf(string roomId, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        if (shardCount == 1)
            return 0;
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(roomId), hash);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)shardCount);
    }
}
