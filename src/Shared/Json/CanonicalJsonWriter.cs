using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Unicode;

namespace Cluster.Shared.Json;

/// <summary>
/// Appends canonical JSON tokens to a buffer rented from the shared pool. Strings get the spec's
/// shortest escapes: <c>\" \\ \b \f \n \r \t</c>, <c>\u00xx</c> (lowercase hex) for the other
/// controls below U+0020, and everything else (U+007F, U+2028, '/', non-ASCII) as raw UTF-8.
/// </summary>
internal ref struct CanonicalJsonWriter
{
    private byte[] _buffer;
    private int _length;

    /// <summary>Names of the parsed objects being written, decoded for sorting.</summary>
    public DecodedNameStack Names;

    public CanonicalJsonWriter(int initialCapacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
        _length = 0;
    }

    public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
        Names.Dispose();
    }

    public void WriteByte(byte b)
    {
        if (_length == _buffer.Length) Grow(1);
        _buffer[_length++] = b;
    }

    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        if (_buffer.Length - _length < bytes.Length) Grow(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void WriteInteger(long value)
    {
        if (_buffer.Length - _length < 20) Grow(20);
        Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out var written);
        _length += written;
    }

    public void WriteLegacyFloat(double value)
    {
        if (_buffer.Length - _length < LegacyFloatFormat.MaxLength) Grow(LegacyFloatFormat.MaxLength);
        _length += LegacyFloatFormat.Format(value, _buffer.AsSpan(_length));
    }

    /// <summary>Writes a .NET string as a canonical JSON string.</summary>
    public void WriteString(scoped ReadOnlySpan<char> text)
    {
        WriteByte((byte)'"');
        while (true)
        {
            var special = text.IndexOfAny(CharsToEscape);
            var plain = special < 0 ? text : text[..special];
            // Transcoding never yields more than three bytes per UTF-16 unit.
            if (_buffer.Length - _length < plain.Length * 3) Grow(plain.Length * 3);
            var status = Utf8.FromUtf16(plain, _buffer.AsSpan(_length), out _, out var written,
                replaceInvalidSequences: false, isFinalBlock: true);
            if (status != OperationStatus.Done)
                throw new CanonicalJsonException("String contains an unpaired UTF-16 surrogate.");
            _length += written;
            if (special < 0) break;
            WriteEscape(text[special]);
            text = text[(special + 1)..];
        }
        WriteByte((byte)'"');
    }

    /// <summary>
    /// Writes a string given as it appeared in a JSON document (escaped UTF-8, no quotes), in
    /// canonical form. Without backslashes the bytes are already canonical and are copied through.
    /// </summary>
    public void WriteJsonEncodedString(scoped ReadOnlySpan<byte> escaped)
    {
        if (escaped.IndexOf((byte)'\\') < 0)
        {
            WriteUtf8String(escaped);
            return;
        }
        byte[]? rented = null;
        var decoded = escaped.Length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(escaped.Length));
        try
        {
            if (!JsonStringEscapes.TryUnescape(escaped, decoded, out var written))
                throw new CanonicalJsonException("String contains an unpaired surrogate escape.");
            WriteUtf8String(decoded[..written]);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes decoded UTF-8 text as a canonical JSON string.</summary>
    public void WriteUtf8String(scoped ReadOnlySpan<byte> utf8)
    {
        // Documents parsed without validation (JsonNode.Parse) can carry broken UTF-8 inside strings.
        if (!Utf8.IsValid(utf8))
            throw new CanonicalJsonException("String is not valid UTF-8.");
        WriteByte((byte)'"');
        while (true)
        {
            var special = utf8.IndexOfAny(BytesToEscape);
            WriteRaw(special < 0 ? utf8 : utf8[..special]);
            if (special < 0) break;
            WriteEscape((char)utf8[special]);
            utf8 = utf8[(special + 1)..];
        }
        WriteByte((byte)'"');
    }

    private void WriteEscape(char c)
    {
        if (_buffer.Length - _length < 6) Grow(6);
        var span = _buffer.AsSpan(_length);
        span[0] = (byte)'\\';
        var shortForm = c switch
        {
            '"' => '"',
            '\\' => '\\',
            '\b' => 'b',
            '\f' => 'f',
            '\n' => 'n',
            '\r' => 'r',
            '\t' => 't',
            _ => '\0',
        };
        if (shortForm != '\0')
        {
            span[1] = (byte)shortForm;
            _length += 2;
            return;
        }
        span[1] = (byte)'u';
        span[2] = (byte)'0';
        span[3] = (byte)'0';
        span[4] = LowerHex[c >> 4];
        span[5] = LowerHex[c & 0xF];
        _length += 6;
    }

    private void Grow(int needed)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + needed));
        Written.CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    private static ReadOnlySpan<byte> LowerHex => "0123456789abcdef"u8;

    private const string EscapedChars =
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\"\\";

    private static readonly SearchValues<char> CharsToEscape = SearchValues.Create(EscapedChars);
    private static readonly SearchValues<byte> BytesToEscape =
        SearchValues.Create(EscapedChars.Select(c => (byte)c).ToArray());
}
