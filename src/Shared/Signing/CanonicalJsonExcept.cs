using System.Buffers;
using System.Text.Json.Nodes;
using Cluster.Shared.Json;

namespace Cluster.Shared.Signing;

/// <summary>
/// Canonical JSON of an object with some top-level keys left out (<c>signatures</c>, <c>unsigned</c>,
/// <c>hashes</c>), written straight from the original object: hashing and signing would otherwise
/// have to deep-clone the event just to drop a key.
/// </summary>
internal static class CanonicalJsonExcept
{
    public static byte[] Encode(JsonObject obj, ReadOnlySpan<string> excludedKeys)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Encode(obj, excludedKeys, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <exception cref="CanonicalJsonException">A value cannot be encoded (unpaired surrogate, NaN...).</exception>
    public static void Encode(JsonObject obj, ReadOnlySpan<string> excludedKeys, IBufferWriter<byte> output)
    {
        var entries = ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Rent(Math.Max(obj.Count, 1));
        var n = 0;
        try
        {
            foreach (var entry in obj)
                if (!excludedKeys.Contains(entry.Key)) entries[n++] = entry;
            Array.Sort(entries, 0, n, KeyOrder.Instance);
            WriteByte((byte)'{', output);
            for (var i = 0; i < n; i++)
            {
                if (i > 0) WriteByte((byte)',', output);
                // The shared encoder owns string escaping; a throwaway value node keeps the rules in one place.
                CanonicalJson.Encode(JsonValue.Create(entries[i].Key), output);
                WriteByte((byte)':', output);
                CanonicalJson.Encode(entries[i].Value, output);
            }
            WriteByte((byte)'}', output);
        }
        finally
        {
            Array.Clear(entries, 0, n);
            ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Return(entries);
        }
    }

    private static void WriteByte(byte b, IBufferWriter<byte> output)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }

    private sealed class KeyOrder : IComparer<KeyValuePair<string, JsonNode?>>
    {
        public static readonly KeyOrder Instance = new();
        public int Compare(KeyValuePair<string, JsonNode?> x, KeyValuePair<string, JsonNode?> y) =>
            CodePointComparer.Instance.Compare(x.Key, y.Key);
    }
}
