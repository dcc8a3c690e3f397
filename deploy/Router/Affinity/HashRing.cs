using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Cluster.Router.Affinity;

/// <summary>
/// Consistent hashing: every node owns <see cref="VirtualNodes"/> points on a 64-bit circle and a
/// key belongs to the first node clockwise from the key's own point. Adding a node to n moves
/// about 1/(n+1) of the keys (only those whose point now falls before one of the new node's
/// points); a node that cannot take a key passes it to the next usable node clockwise, so the
/// keys of a dead node spread over the others and the rest stay where they were.
/// </summary>
public sealed class HashRing
{
    /// <summary>Enough points that each of a few nodes gets close to its share of the keys.</summary>
    public const int DefaultVirtualNodes = 160;

    private readonly ulong[] _points;
    private readonly int[] _owners;

    public HashRing(IEnumerable<string> nodes, int virtualNodes = DefaultVirtualNodes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(virtualNodes, 1);
        Nodes = [.. nodes.Distinct(StringComparer.Ordinal)];
        VirtualNodes = virtualNodes;
        var points = new List<(ulong Point, int Owner)>(Nodes.Count * virtualNodes);
        for (var owner = 0; owner < Nodes.Count; owner++)
            for (var v = 0; v < virtualNodes; v++)
                points.Add((Hash($"{Nodes[owner]}#{v}"), owner));
        // Ties (practically never) resolve by node name, so every router builds the same ring.
        points.Sort((a, b) => a.Point != b.Point ? a.Point.CompareTo(b.Point) : string.CompareOrdinal(Nodes[a.Owner], Nodes[b.Owner]));
        _points = [.. points.Select(p => p.Point)];
        _owners = [.. points.Select(p => p.Owner)];
    }

    public IReadOnlyList<string> Nodes { get; }

    public int VirtualNodes { get; }

    /// <summary>The node <paramref name="key"/> belongs to among those <paramref name="usable"/> accepts; null if it accepts none.</summary>
    public string? Find(string key, Func<string, bool> usable)
    {
        if (_points.Length == 0)
            return null;
        var start = Array.BinarySearch(_points, Hash(key));
        if (start < 0)
            start = ~start;
        var refused = new bool[Nodes.Count];
        var refusedCount = 0;
        for (var i = 0; i < _points.Length && refusedCount < Nodes.Count; i++)
        {
            var owner = _owners[(start + i) % _points.Length];
            if (refused[owner])
                continue;
            if (usable(Nodes[owner]))
                return Nodes[owner];
            refused[owner] = true;
            refusedCount++;
        }
        return null;
    }

    /// <summary>The node <paramref name="key"/> belongs to when every node is usable.</summary>
    public string? Find(string key) => Find(key, static _ => true);

    /// <summary>Stable across processes and versions (so not <see cref="string.GetHashCode()"/>).</summary>
    private static ulong Hash(string value)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }
}
