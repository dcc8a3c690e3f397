using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Workers.FederationReader.Devices;

/// <summary>Reading the numbers of device list JSON from other servers.</summary>
internal static class DeviceListJson
{
    /// <summary>The node as a 64-bit integer; null when it is anything else (a string, a fraction, too large, absent).</summary>
    public static long? IntegerOf(JsonNode? node)
    {
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
            return null;
        if (value.TryGetValue<long>(out var number))
            return number;
        if (value.TryGetValue<int>(out var small))
            return small;
        return value.TryGetValue<JsonElement>(out var element) && element.TryGetInt64(out number) ? number : null;
    }
}
