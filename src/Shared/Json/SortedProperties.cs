using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Cluster.Shared.Json;

/// <summary>A property of a parsed object and where its decoded name lies in a <see cref="DecodedNameStack"/>.</summary>
internal readonly record struct NamedProperty(JsonProperty Property, int NameStart, int NameLength)
{
    public ReadOnlySpan<byte> Name(byte[] names) => names.AsSpan(NameStart, NameLength);
}

/// <summary>
/// The properties of a parsed object ordered by decoded name. Comparing decoded UTF-8 bytes is
/// comparing code points, and a repeated key ends up next to its twin, which makes duplicates
/// cheap to find. Names are decoded once, onto the caller's name stack.
/// </summary>
internal ref struct SortedProperties
{
    private NamedProperty[] _rented;
    private readonly int _count;

    private SortedProperties(NamedProperty[] rented, int count)
    {
        _rented = rented;
        _count = count;
    }

    public readonly ReadOnlySpan<NamedProperty> Items => _rented.AsSpan(0, _count);

    /// <summary>False when a name holds a lone surrogate escape (nothing is left rented then).</summary>
    public static bool TryCollect(JsonElement obj, ref DecodedNameStack names, out SortedProperties sorted)
    {
        var pool = ArrayPool<NamedProperty>.Shared;
        var rented = pool.Rent(16);
        var n = 0;
        foreach (var property in obj.EnumerateObject())
        {
            if (n == rented.Length)
            {
                var larger = pool.Rent(n * 2);
                rented.AsSpan(0, n).CopyTo(larger);
                pool.Return(rented, clearArray: true);
                rented = larger;
            }
            if (!names.TryPush(JsonMarshal.GetRawUtf8PropertyName(property), out var start, out var length))
            {
                pool.Return(rented, clearArray: true);
                sorted = default;
                return false;
            }
            rented[n++] = new NamedProperty(property, start, length);
        }
        rented.AsSpan(0, n).Sort(new NameOrder(names.Storage));
        sorted = new SortedProperties(rented, n);
        return true;
    }

    /// <summary>Index of the first property whose name equals the one before it, or -1.</summary>
    public readonly int IndexOfRepeatedName(byte[] names)
    {
        var items = Items;
        for (var i = 1; i < items.Length; i++)
            if (items[i].Name(names).SequenceEqual(items[i - 1].Name(names))) return i;
        return -1;
    }

    public void Dispose()
    {
        if (_rented is null) return;
        ArrayPool<NamedProperty>.Shared.Return(_rented, clearArray: true);
        _rented = null!;
    }

    private readonly struct NameOrder(byte[] names) : IComparer<NamedProperty>
    {
        public int Compare(NamedProperty x, NamedProperty y) => x.Name(names).SequenceCompareTo(y.Name(names));
    }
}
