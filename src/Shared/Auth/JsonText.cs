using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Shared.Auth;

/// <summary>
/// String comparisons on JSON values without materializing the string: parsed events keep their values
/// as UTF-8 JSON elements, and the rules compare the same few values on every check.
/// </summary>
internal static class JsonText
{
    public static bool Is(JsonNode? node, string expected)
    {
        if (node is not JsonValue value) return false;
        if (value.TryGetValue(out JsonElement element))
            return element.ValueKind == JsonValueKind.String && element.ValueEquals(expected);
        return value.TryGetValue(out string? text) && text == expected;
    }

    public static bool Is(JsonNode? node, ReadOnlySpan<byte> expectedUtf8, string expected)
    {
        if (node is not JsonValue value) return false;
        if (value.TryGetValue(out JsonElement element))
            return element.ValueKind == JsonValueKind.String && element.ValueEquals(expectedUtf8);
        return value.TryGetValue(out string? text) && text == expected;
    }
}
