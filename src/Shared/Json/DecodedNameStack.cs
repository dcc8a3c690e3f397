using System.Buffers;

namespace Cluster.Shared.Json;

/// <summary>
/// Decoded (unescaped) UTF-8 property names of the objects currently being walked, kept in one
/// pooled buffer used as a stack: an object pushes its names, and releases them when done.
/// </summary>
internal struct DecodedNameStack
{
    private byte[]? _bytes;
    private int _length;

    public readonly int Mark => _length;

    /// <summary>The storage names live in; may be replaced by a later push.</summary>
    public readonly byte[] Storage => _bytes ?? [];

    /// <summary>Decodes <paramref name="escaped"/> onto the stack; false on a lone surrogate escape.</summary>
    public bool TryPush(ReadOnlySpan<byte> escaped, out int start, out int length)
    {
        // Decoding never lengthens a name, so its raw length is enough room.
        if (_bytes is null || _bytes.Length - _length < escaped.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(256, Math.Max((_bytes?.Length ?? 0) * 2, _length + escaped.Length)));
            if (_bytes is not null)
            {
                _bytes.AsSpan(0, _length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_bytes);
            }
            _bytes = larger;
        }
        start = _length;
        length = 0;
        if (escaped.IndexOf((byte)'\\') < 0)
        {
            escaped.CopyTo(_bytes.AsSpan(start));
            length = escaped.Length;
        }
        else if (!JsonStringEscapes.TryUnescape(escaped, _bytes.AsSpan(start), out length))
        {
            return false;
        }
        _length += length;
        return true;
    }

    public void Release(int mark) => _length = mark;

    public void Dispose()
    {
        if (_bytes is not null) ArrayPool<byte>.Shared.Return(_bytes);
        _bytes = null;
        _length = 0;
    }
}
