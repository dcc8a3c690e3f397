using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Shared.Json;

/// <summary>
/// Matrix canonical JSON (spec appendix "Canonical JSON"): object keys ordered by Unicode code
/// point, no insignificant whitespace, UTF-8, and the shortest escape for every character.
/// Signatures and hashes are computed over these bytes, so two servers must produce them identically.
/// </summary>
/// <remarks>
/// Numbers: an integer is written as its digits, whatever its size, with <c>-0</c> written as
/// <c>0</c> (as the spec's example requires). A number with a fraction or exponent is not
/// canonical JSON at all; room versions 6 and later refuse such events on the way in
/// (<see cref="StrictJson"/>). Versions 1-5 still carry them, so they are written as Synapse's
/// canonicaljson writes them (Python's float repr: <c>1e10</c> becomes <c>10000000000.0</c>, <c>2.50</c>
/// becomes <c>2.5</c>) because that is what their hashes and signatures were computed over. This
/// departs from the spec's example <c>1e10 → 10000000000</c>, which matrix-spec issue #2424 reports
/// as wrong. NaN and infinities throw <see cref="CanonicalJsonException"/>.
/// </remarks>
public static class CanonicalJson
{
    /// <summary>Deeper values throw instead of risking the stack; far beyond any event a server accepts.</summary>
    public const int MaxDepth = 1000;

    public static byte[] Encode(JsonNode? node)
    {
        var writer = new CanonicalJsonWriter(1024);
        try
        {
            WriteNode(node, ref writer, 0);
            return writer.Written.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    public static void Encode(JsonNode? node, IBufferWriter<byte> output)
    {
        var writer = new CanonicalJsonWriter(1024);
        try
        {
            WriteNode(node, ref writer, 0);
            output.Write(writer.Written);
        }
        finally
        {
            writer.Dispose();
        }
    }

    public static string EncodeToString(JsonNode? node) => Encoding.UTF8.GetString(Encode(node));

    /// <summary>
    /// Encodes straight from a parsed document, without building nodes: the cheapest way from
    /// received bytes to the bytes a hash or signature covers.
    /// </summary>
    public static byte[] Encode(JsonElement element)
    {
        var writer = new CanonicalJsonWriter(1024);
        try
        {
            WriteElement(element, ref writer, 0);
            return writer.Written.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    public static void Encode(JsonElement element, IBufferWriter<byte> output)
    {
        var writer = new CanonicalJsonWriter(1024);
        try
        {
            WriteElement(element, ref writer, 0);
            output.Write(writer.Written);
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>
    /// Encodes an object leaving out some of its top-level keys, as hashing and signing need
    /// (<c>signatures</c>, <c>unsigned</c>, <c>hashes</c>), without copying the object first.
    /// </summary>
    public static byte[] EncodeWithout(JsonObject obj, params ReadOnlySpan<string> omittedTopLevelKeys)
    {
        var writer = new CanonicalJsonWriter(1024);
        try
        {
            WriteObject(obj, ref writer, 1, omittedTopLevelKeys);
            return writer.Written.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>
    /// Encodes a parsed object leaving out some of its top-level keys: checks a received event's
    /// content hash or a request's signature straight from the bytes that arrived.
    /// </summary>
    public static byte[] EncodeWithout(JsonElement obj, params ReadOnlySpan<string> omittedTopLevelKeys)
    {
        if (obj.ValueKind != JsonValueKind.Object)
            throw new CanonicalJsonException($"Expected a JSON object, found {obj.ValueKind}.");
        var writer = new CanonicalJsonWriter(1024);
        try
        {
            WriteElementObject(obj, ref writer, 1, omittedTopLevelKeys);
            return writer.Written.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static void WriteNode(JsonNode? node, ref CanonicalJsonWriter writer, int depth)
    {
        switch (node)
        {
            case null:
                writer.WriteRaw("null"u8);
                break;
            case JsonObject obj:
                WriteObject(obj, ref writer, depth + 1, []);
                break;
            case JsonArray array:
                CheckDepth(depth + 1);
                writer.WriteByte((byte)'[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) writer.WriteByte((byte)',');
                    WriteNode(array[i], ref writer, depth + 1);
                }
                writer.WriteByte((byte)']');
                break;
            case JsonValue value:
                WriteValue(value, ref writer, depth);
                break;
            default:
                throw new CanonicalJsonException($"Unsupported JSON node type {node.GetType().Name}.");
        }
    }

    private static void WriteObject(JsonObject obj, ref CanonicalJsonWriter writer, int depth, scoped ReadOnlySpan<string> omittedKeys)
    {
        CheckDepth(depth);
        var count = obj.Count;
        var entries = ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Rent(Math.Max(count, 1));
        try
        {
            var n = 0;
            // Indexing, unlike foreach, does not allocate an enumerator per object.
            for (var i = 0; i < count; i++)
            {
                var entry = obj.GetAt(i);
                if (omittedKeys.IsEmpty || !omittedKeys.Contains(entry.Key)) entries[n++] = entry;
            }
            Array.Sort(entries, 0, n, EntryComparer.Instance);
            writer.WriteByte((byte)'{');
            for (var i = 0; i < n; i++)
            {
                if (i > 0) writer.WriteByte((byte)',');
                writer.WriteString(entries[i].Key);
                writer.WriteByte((byte)':');
                WriteNode(entries[i].Value, ref writer, depth);
            }
            writer.WriteByte((byte)'}');
        }
        finally
        {
            Array.Clear(entries, 0, count);
            ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Return(entries);
        }
    }

    private static void WriteValue(JsonValue value, ref CanonicalJsonWriter writer, int depth)
    {
        // Nodes from JsonNode.Parse and StrictJson wrap a JsonElement; reading it directly
        // avoids materialising a string for every value.
        if (value.TryGetValue<JsonElement>(out var element)) { WriteElement(element, ref writer, depth); return; }
        if (value.TryGetValue<string>(out var s)) { writer.WriteString(s); return; }
        if (value.TryGetValue<long>(out var l)) { writer.WriteInteger(l); return; }
        if (value.TryGetValue<int>(out var i)) { writer.WriteInteger(i); return; }
        if (value.TryGetValue<bool>(out var b)) { writer.WriteRaw(b ? "true"u8 : "false"u8); return; }
        if (value.TryGetValue<double>(out var d)) { writer.WriteLegacyFloat(d); return; }
        // Any other CLR value (ulong, decimal, Guid...): let System.Text.Json say what JSON it stands for.
        WriteElement(JsonElement.Parse(value.ToJsonString()), ref writer, depth);
    }

    private static void WriteElement(JsonElement element, ref CanonicalJsonWriter writer, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteElementObject(element, ref writer, depth + 1, []);
                break;
            case JsonValueKind.Array:
                CheckDepth(depth + 1);
                writer.WriteByte((byte)'[');
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first) writer.WriteByte((byte)',');
                    first = false;
                    WriteElement(item, ref writer, depth + 1);
                }
                writer.WriteByte((byte)']');
                break;
            case JsonValueKind.String:
                var quoted = JsonMarshal.GetRawUtf8Value(element);
                writer.WriteJsonEncodedString(quoted[1..^1]);
                break;
            case JsonValueKind.Number:
                WriteNumberLiteral(JsonMarshal.GetRawUtf8Value(element), ref writer);
                break;
            case JsonValueKind.True:
                writer.WriteRaw("true"u8);
                break;
            case JsonValueKind.False:
                writer.WriteRaw("false"u8);
                break;
            case JsonValueKind.Null:
                writer.WriteRaw("null"u8);
                break;
            default:
                throw new CanonicalJsonException($"Unsupported JSON value kind {element.ValueKind}.");
        }
    }

    private static void WriteElementObject(JsonElement element, ref CanonicalJsonWriter writer, int depth, scoped ReadOnlySpan<string> omittedKeys)
    {
        CheckDepth(depth);
        var mark = writer.Names.Mark;
        if (!SortedProperties.TryCollect(element, ref writer.Names, out var sorted))
            throw new CanonicalJsonException("Key contains an unpaired surrogate escape.");
        try
        {
            var repeated = sorted.IndexOfRepeatedName(writer.Names.Storage);
            if (repeated >= 0)
                throw new CanonicalJsonException($"Object has the key \"{sorted.Items[repeated].Property.Name}\" twice.");
            writer.WriteByte((byte)'{');
            var written = 0;
            for (var i = 0; i < sorted.Items.Length; i++)
            {
                if (!omittedKeys.IsEmpty && IsOmitted(sorted.Items[i].Property, omittedKeys)) continue;
                if (written++ > 0) writer.WriteByte((byte)',');
                // Storage is fetched again each time: writing a nested object may have moved it.
                writer.WriteUtf8String(sorted.Items[i].Name(writer.Names.Storage));
                writer.WriteByte((byte)':');
                WriteElement(sorted.Items[i].Property.Value, ref writer, depth);
            }
            writer.WriteByte((byte)'}');
        }
        finally
        {
            sorted.Dispose();
            writer.Names.Release(mark);
        }
    }

    /// <summary>
    /// A number as written in a document. Integers keep their digits (any size: versions 1-5 may
    /// exceed 2^53); anything with a fraction or exponent is a legacy float.
    /// </summary>
    private static void WriteNumberLiteral(ReadOnlySpan<byte> literal, ref CanonicalJsonWriter writer)
    {
        if (literal.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0)
        {
            writer.WriteRaw(literal.SequenceEqual("-0"u8) ? "0"u8 : literal);
            return;
        }
        if (!double.TryParse(literal, System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new CanonicalJsonException("Number is too large for a double and has no canonical form.");
        writer.WriteLegacyFloat(value);
    }

    private static bool IsOmitted(JsonProperty property, ReadOnlySpan<string> omittedKeys)
    {
        foreach (var key in omittedKeys)
            if (property.NameEquals(key)) return true;
        return false;
    }

    private static void CheckDepth(int depth)
    {
        if (depth > MaxDepth)
            throw new CanonicalJsonException($"JSON nests deeper than {MaxDepth} levels.");
    }

    private sealed class EntryComparer : IComparer<KeyValuePair<string, JsonNode?>>
    {
        public static readonly EntryComparer Instance = new();

        public int Compare(KeyValuePair<string, JsonNode?> x, KeyValuePair<string, JsonNode?> y) =>
            CodePointComparer.Instance.Compare(x.Key, y.Key);
    }
}
