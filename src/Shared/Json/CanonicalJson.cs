using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Shared.Json;

/// <summary>
/// Matrix canonical JSON (spec appendix "Canonical JSON"): object keys ordered by
/// Unicode code point, no insignificant whitespace, UTF-8, and the shortest escape
/// for every character. Signatures and hashes are computed over these bytes, so two
/// servers must produce them identically.
/// </summary>
public static class CanonicalJson
{
    public static byte[] Encode(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        Encode(node, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public static string EncodeToString(JsonNode? node) => Encoding.UTF8.GetString(Encode(node));

    public static void Encode(JsonNode? node, IBufferWriter<byte> output) => WriteNode(node, output);

    private static void WriteNode(JsonNode? node, IBufferWriter<byte> output)
    {
        switch (node)
        {
            case null:
                WriteAscii("null", output);
                break;
            case JsonObject obj:
                WriteObject(obj, output);
                break;
            case JsonArray array:
                WriteByte((byte)'[', output);
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) WriteByte((byte)',', output);
                    WriteNode(array[i], output);
                }
                WriteByte((byte)']', output);
                break;
            case JsonValue value:
                WriteValue(value, output);
                break;
            default:
                throw new CanonicalJsonException($"Unsupported JSON node type {node.GetType().Name}.");
        }
    }

    private static void WriteObject(JsonObject obj, IBufferWriter<byte> output)
    {
        var count = obj.Count;
        var entries = ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Rent(Math.Max(count, 1));
        try
        {
            var n = 0;
            foreach (var entry in obj) entries[n++] = entry;
            Array.Sort(entries, 0, n, EntryComparer.Instance);
            WriteByte((byte)'{', output);
            for (var i = 0; i < n; i++)
            {
                if (i > 0) WriteByte((byte)',', output);
                WriteString(entries[i].Key, output);
                WriteByte((byte)':', output);
                WriteNode(entries[i].Value, output);
            }
            WriteByte((byte)'}', output);
        }
        finally
        {
            Array.Clear(entries, 0, count);
            ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Return(entries);
        }
    }

    private static void WriteValue(JsonValue value, IBufferWriter<byte> output)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(value.GetValue<string>(), output);
                return;
            case JsonValueKind.True:
                WriteAscii("true", output);
                return;
            case JsonValueKind.False:
                WriteAscii("false", output);
                return;
            case JsonValueKind.Null:
                WriteAscii("null", output);
                return;
            case JsonValueKind.Number:
                WriteNumber(value, output);
                return;
            default:
                throw new CanonicalJsonException($"Unsupported JSON value kind {value.GetValueKind()}.");
        }
    }

    private static void WriteNumber(JsonValue value, IBufferWriter<byte> output)
    {
        if (value.TryGetValue<long>(out var l)) { WriteAscii(l.ToString(CultureInfo.InvariantCulture), output); return; }
        if (value.TryGetValue<int>(out var i)) { WriteAscii(i.ToString(CultureInfo.InvariantCulture), output); return; }
        if (value.TryGetValue<JsonElement>(out var element))
        {
            if (element.TryGetInt64(out l)) { WriteAscii(l.ToString(CultureInfo.InvariantCulture), output); return; }
            WriteDouble(element.GetDouble(), output);
            return;
        }
        if (value.TryGetValue<ulong>(out var ul)) { WriteAscii(ul.ToString(CultureInfo.InvariantCulture), output); return; }
        if (value.TryGetValue<double>(out var d)) { WriteDouble(d, output); return; }
        if (value.TryGetValue<decimal>(out var m)) { WriteAscii(m.ToString(CultureInfo.InvariantCulture), output); return; }
        throw new CanonicalJsonException("Unsupported numeric JSON value.");
    }

    private static void WriteDouble(double d, IBufferWriter<byte> output)
    {
        if (double.IsNaN(d) || double.IsInfinity(d))
            throw new CanonicalJsonException("NaN and infinities cannot be encoded as JSON.");
        // Integral doubles are written as integers; older room versions may carry real floats.
        if (Math.Floor(d) == d && Math.Abs(d) < 1e17)
            WriteAscii(((long)d).ToString(CultureInfo.InvariantCulture), output);
        else
            WriteAscii(d.ToString("R", CultureInfo.InvariantCulture), output);
    }

    private static void WriteString(string s, IBufferWriter<byte> output)
    {
        // Worst case: every char becomes a 6-byte \u00XX escape, or 3 UTF-8 bytes.
        var span = output.GetSpan(s.Length * 6 + 2);
        var pos = 0;
        span[pos++] = (byte)'"';
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c < 0x80)
            {
                switch (c)
                {
                    case '"': span[pos++] = (byte)'\\'; span[pos++] = (byte)'"'; break;
                    case '\\': span[pos++] = (byte)'\\'; span[pos++] = (byte)'\\'; break;
                    case '\b': span[pos++] = (byte)'\\'; span[pos++] = (byte)'b'; break;
                    case '\f': span[pos++] = (byte)'\\'; span[pos++] = (byte)'f'; break;
                    case '\n': span[pos++] = (byte)'\\'; span[pos++] = (byte)'n'; break;
                    case '\r': span[pos++] = (byte)'\\'; span[pos++] = (byte)'r'; break;
                    case '\t': span[pos++] = (byte)'\\'; span[pos++] = (byte)'t'; break;
                    default:
                        if (c < 0x20)
                        {
                            span[pos++] = (byte)'\\'; span[pos++] = (byte)'u';
                            span[pos++] = (byte)'0'; span[pos++] = (byte)'0';
                            span[pos++] = HexLower[c >> 4]; span[pos++] = HexLower[c & 0xF];
                        }
                        else span[pos++] = (byte)c;
                        break;
                }
            }
            else if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                    throw new CanonicalJsonException("String contains an unpaired UTF-16 surrogate.");
                var rune = new Rune(c, s[++i]);
                pos += rune.EncodeToUtf8(span[pos..]);
            }
            else if (char.IsLowSurrogate(c))
            {
                throw new CanonicalJsonException("String contains an unpaired UTF-16 surrogate.");
            }
            else
            {
                pos += new Rune(c).EncodeToUtf8(span[pos..]);
            }
        }
        span[pos++] = (byte)'"';
        output.Advance(pos);
    }

    private static ReadOnlySpan<byte> HexLower => "0123456789abcdef"u8;

    private static void WriteByte(byte b, IBufferWriter<byte> output)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }

    private static void WriteAscii(string s, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(s.Length);
        for (var i = 0; i < s.Length; i++) span[i] = (byte)s[i];
        output.Advance(s.Length);
    }

    private sealed class EntryComparer : IComparer<KeyValuePair<string, JsonNode?>>
    {
        public static readonly EntryComparer Instance = new();
        public int Compare(KeyValuePair<string, JsonNode?> x, KeyValuePair<string, JsonNode?> y) =>
            CodePointComparer.Instance.Compare(x.Key, y.Key);
    }
}

/// <summary>
/// Orders strings by Unicode code point, which differs from UTF-16 ordinal order for
/// characters above U+FFFF versus U+E000..U+FFFF.
/// </summary>
public sealed class CodePointComparer : IComparer<string>
{
    public static readonly CodePointComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var n = Math.Min(x.Length, y.Length);
        for (var i = 0; i < n; i++)
        {
            var a = x[i];
            var b = y[i];
            if (a == b) continue;
            return Fix(a) - Fix(b);
        }
        return x.Length - y.Length;
    }

    // Surrogates (code points >= U+10000) must sort after U+E000..U+FFFF.
    private static int Fix(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;
}

public sealed class CanonicalJsonException(string message) : Exception(message);
