using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Cluster.Shared.Json;

/// <summary>
/// Orders properties of a parsed document by the code points of their names without decoding
/// them to strings: UTF-8 byte order is code point order. Names holding escapes are decoded
/// first, since <c>"\u0061"</c> and <c>"a"</c> are the same key.
/// </summary>
internal static class RawPropertyNameComparer
{
    public static int Compare(JsonProperty x, JsonProperty y)
    {
        var a = JsonMarshal.GetRawUtf8PropertyName(x);
        var b = JsonMarshal.GetRawUtf8PropertyName(y);
        if (a.IndexOf((byte)'\\') < 0 && b.IndexOf((byte)'\\') < 0) return a.SequenceCompareTo(b);
        return CompareDecoded(a, b);
    }

    private static int CompareDecoded(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var left = ArrayPool<byte>.Shared.Rent(a.Length);
        var right = ArrayPool<byte>.Shared.Rent(b.Length);
        try
        {
            if (!JsonStringEscapes.TryUnescape(a, left, out var leftLength) ||
                !JsonStringEscapes.TryUnescape(b, right, out var rightLength))
                throw new CanonicalJsonException("Key contains an unpaired surrogate escape.");
            return left.AsSpan(0, leftLength).SequenceCompareTo(right.AsSpan(0, rightLength));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(left);
            ArrayPool<byte>.Shared.Return(right);
        }
    }
}
