using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace Cluster.Shared.Tests.Json;

/// <summary>Random JSON for property tests, biased towards the characters and numbers canonical JSON treats specially.</summary>
internal static class JsonGenerators
{
    private const long MaxSafeInteger = (1L << 53) - 1;

    /// <summary>Any Unicode scalar value, weighted towards controls, escapes, separators and astral planes.</summary>
    public static readonly Gen<Rune> Scalar = Gen.Frequency(
        (4, Gen.Int[0x20, 0x7E]),
        (2, Gen.Int[0x00, 0x1F]),
        (1, Gen.Int[0, 4].Select(i => (int)"\"\\/\u007f\u2028"[i])),
        (2, Gen.Int[0x80, 0xD7FF]),
        (1, Gen.Int[0xE000, 0xFFFF]),
        (2, Gen.Int[0x10000, 0x10FFFF])).Select(cp => new Rune(cp));

    public static readonly Gen<string> Text = Scalar.Array[0, 12].Select(runes =>
    {
        var sb = new StringBuilder();
        foreach (var r in runes) sb.Append(r.ToString());
        return sb.ToString();
    });

    public static readonly Gen<long> SafeInteger = Gen.Frequency(
        (3, Gen.Long[-1000, 1000]),
        (1, Gen.Long[-MaxSafeInteger, MaxSafeInteger]),
        (1, Gen.Int[0, 2].Select(i => i switch { 0 => MaxSafeInteger, 1 => -MaxSafeInteger, _ => 0L })));

    /// <summary>Canonical-JSON values: strings, safe integers, booleans, null, objects and arrays.</summary>
    public static readonly Gen<JsonNode?> Value = Gen.Recursive<JsonNode?>((depth, value) =>
    {
        var scalar = Gen.Frequency(
            (3, Text.Select(s => (JsonNode?)JsonValue.Create(s))),
            (3, SafeInteger.Select(l => (JsonNode?)JsonValue.Create(l))),
            (1, Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b))),
            (1, Gen.Bool.Select(_ => (JsonNode?)null)));
        if (depth >= 4) return scalar;
        var array = value.Array[0, 4].Select(items => (JsonNode?)new JsonArray(items));
        var obj = Gen.Select(Text, value).Array[0, 5].Select(members => (JsonNode?)ObjectOf(members));
        return Gen.Frequency((4, scalar), (1, array), (2, obj));
    });

    public static readonly Gen<JsonObject> Object = Gen.Select(Text, Value).Array[0, 8].Select(ObjectOf);

    private static JsonObject ObjectOf((string Key, JsonNode? Value)[] members)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in members) obj[key] = value;
        return obj;
    }
}
