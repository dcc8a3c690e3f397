using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.StateResolution;

/// <summary>
/// Reads one power level value as the room version allows it: integers everywhere, strings holding an integer
/// before room version 10, and floats (truncated) where canonical JSON was not yet enforced (before version 6).
/// </summary>
internal static class PowerLevelValue
{
    public static long? Read(JsonNode? node, RoomVersion version)
    {
        if (node is not JsonValue value) return null;
        switch (value.GetValueKind())
        {
            case JsonValueKind.Number:
                if (value.TryGetValue<long>(out var integer)) return integer;
                if (value.TryGetValue<JsonElement>(out var element) && element.TryGetInt64(out integer)) return integer;
                if (version.StrictCanonicalJson) return null;
                return TruncatedDouble(value);
            case JsonValueKind.String when !version.EnforceIntPowerLevels:
                return ParseIntegerString(value.GetValue<string>());
            default:
                return null;
        }
    }

    private static long? TruncatedDouble(JsonValue value)
    {
        double d;
        if (value.TryGetValue<double>(out var direct)) d = direct;
        else if (value.TryGetValue<JsonElement>(out var element) && element.TryGetDouble(out var parsed)) d = parsed;
        else return null;
        if (!double.IsFinite(d)) return null;
        var truncated = Math.Truncate(d);
        return truncated is >= long.MinValue and < long.MaxValue ? (long)truncated : null;
    }

    /// <summary>Surrounding whitespace, one optional sign, then decimal digits (leading zeroes allowed).</summary>
    private static long? ParseIntegerString(string text)
    {
        var span = text.AsSpan().Trim();
        var digits = span.Length > 0 && (span[0] == '+' || span[0] == '-') ? span[1..] : span;
        if (digits.Length == 0) return null;
        foreach (var c in digits)
            if (c is < '0' or > '9') return null;
        return long.TryParse(span, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var result)
            ? result
            : null;
    }
}
