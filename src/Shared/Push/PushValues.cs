using System.Text.Json;

namespace Cluster.Shared.Push;

/// <summary>The "non-compound canonical JSON values" that event_property_is/contains compare.</summary>
internal static class PushValues
{
    private const long MaxSafeInteger = (1L << 53) - 1;

    public static bool IsScalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => true,
        JsonValueKind.Number => value.TryGetInt64(out var n) && n is >= -MaxSafeInteger and <= MaxSafeInteger,
        _ => false,
    };

    /// <summary>Exact equality of two scalars: no casts between types, integers by value.</summary>
    public static bool ScalarEquals(JsonElement a, JsonElement b)
    {
        if (!IsScalar(a) || !IsScalar(b))
            return false;
        return a.ValueKind switch
        {
            JsonValueKind.String => b.ValueKind == JsonValueKind.String && a.ValueEquals(b.GetString()),
            JsonValueKind.Number => b.ValueKind == JsonValueKind.Number && a.GetInt64() == b.GetInt64(),
            _ => a.ValueKind == b.ValueKind,
        };
    }
}
