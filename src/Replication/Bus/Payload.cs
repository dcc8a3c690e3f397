using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Cluster.Replication.Bus;

/// <summary>Little-endian, length-prefixed primitives for bus messages and row payloads.</summary>
public static class PayloadWriter
{
    public static void WriteByte(this IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    public static void WriteInt32(this IBufferWriter<byte> output, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    public static void WriteInt64(this IBufferWriter<byte> output, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    public static void WriteBytes(this IBufferWriter<byte> output, ReadOnlySpan<byte> value)
    {
        output.WriteInt32(value.Length);
        output.Write(value);
    }

    public static void WriteString(this IBufferWriter<byte> output, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        output.WriteInt32(length);
        Encoding.UTF8.GetBytes(value, output.GetSpan(length));
        output.Advance(length);
    }

    /// <summary>A string that may be null (-1 length).</summary>
    public static void WriteNullableString(this IBufferWriter<byte> output, string? value)
    {
        if (value is null)
            output.WriteInt32(-1);
        else
            output.WriteString(value);
    }
}

/// <summary>Reads what <see cref="PayloadWriter"/> wrote; truncated or malformed input is a <see cref="ReplicationFormatException"/>.</summary>
public ref struct PayloadReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public readonly bool AtEnd => _rest.IsEmpty;

    public readonly int Remaining => _rest.Length;

    public byte ReadByte() => Take(1)[0];

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ReadOnlySpan<byte> ReadBytes() => Take(ReadLength());

    /// <summary>Exactly <paramref name="count"/> bytes with no length prefix.</summary>
    public ReadOnlySpan<byte> ReadFixed(int count) => Take(count);

    public string ReadString() => Decode(Take(ReadLength()));

    public string? ReadNullableString()
    {
        var length = ReadInt32();
        if (length == -1)
            return null;
        if (length < 0)
            throw new ReplicationFormatException($"Negative length {length}.");
        return Decode(Take(length));
    }

    public readonly void ExpectEnd()
    {
        if (!_rest.IsEmpty)
            throw new ReplicationFormatException($"{_rest.Length} unexpected trailing bytes.");
    }

    private int ReadLength()
    {
        var length = ReadInt32();
        return length >= 0 ? length : throw new ReplicationFormatException($"Negative length {length}.");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_rest.Length < count)
            throw new ReplicationFormatException($"Truncated: needed {count} bytes, {_rest.Length} left.");
        var taken = _rest[..count];
        _rest = _rest[count..];
        return taken;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ReplicationFormatException("A string is not valid UTF-8.");
        }
    }
}
