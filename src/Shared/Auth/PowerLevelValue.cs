using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Auth;

/// <summary>
/// Reads one power level value the way the room version allows it: JSON integers always; before v10
/// also strings holding an integer (spec: "m.room.power_levels events accept values as strings");
/// in v1-v5, whose JSON is not strictly canonical, also floats, truncated toward zero.
/// </summary>
internal static class PowerLevelValue
{
    /// <summary>The canonical JSON integer range, which v6+ events must keep to.</summary>
    private const long MaxSafeInteger = (1L << 53) - 1;

    public static bool TryRead(JsonNode? node, RoomVersion version, out long level)
    {
        level = 0;
        if (node is not JsonValue value) return false;
        switch (value.GetValueKind())
        {
            case JsonValueKind.Number:
                return TryReadNumber(value, version, out level);
            case JsonValueKind.String:
                return !version.EnforceIntPowerLevels && TryParseIntegerString(value.GetValue<string>(), out level);
            default:
                return false;
        }
    }

    /// <summary>True for a JSON number that is an integer in the canonical range, the only form v10+ accepts.</summary>
    public static bool IsStrictInteger(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
        && TryIntegral(value, out var l) && l is >= -MaxSafeInteger and <= MaxSafeInteger;

    private static bool TryReadNumber(JsonValue value, RoomVersion version, out long level)
    {
        if (TryIntegral(value, out level))
            return !version.StrictCanonicalJson || level is >= -MaxSafeInteger and <= MaxSafeInteger;
        if (version.StrictCanonicalJson || !TryDouble(value, out var d) || !double.IsFinite(d)) return false;
        level = Saturate(Math.Truncate(d));
        return true;
    }

    private static bool TryIntegral(JsonValue value, out long l)
    {
        if (value.TryGetValue(out JsonElement element)) return element.TryGetInt64(out l);
        if (value.TryGetValue(out l)) return true;
        if (value.TryGetValue(out int i)) { l = i; return true; }
        if (value.TryGetValue(out short s)) { l = s; return true; }
        if (value.TryGetValue(out byte b)) { l = b; return true; }
        if (value.TryGetValue(out uint ui)) { l = ui; return true; }
        return false;
    }

    private static bool TryDouble(JsonValue value, out double d)
    {
        if (value.TryGetValue(out JsonElement element)) return element.TryGetDouble(out d);
        if (value.TryGetValue(out d)) return true;
        if (value.TryGetValue(out float f)) { d = f; return true; }
        if (value.TryGetValue(out decimal m)) { d = (double)m; return true; }
        return false;
    }

    private static long Saturate(double d) => d >= long.MaxValue ? long.MaxValue : d <= long.MinValue ? long.MinValue : (long)d;

    /// <summary>
    /// The string form the spec allows: optional surrounding whitespace, at most one '+' or '-',
    /// then base-10 digits (leading zeroes allowed). Values beyond 64 bits saturate.
    /// </summary>
    internal static bool TryParseIntegerString(string text, out long level)
    {
        level = 0;
        var s = text.AsSpan().Trim();
        var negative = false;
        if (!s.IsEmpty && s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s.IsEmpty) return false;
        long magnitude = 0;
        var overflow = false;
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c)) return false;
            if (overflow) continue;
            if (magnitude > (long.MaxValue - (c - '0')) / 10) overflow = true;
            else magnitude = magnitude * 10 + (c - '0');
        }
        level = overflow ? (negative ? long.MinValue : long.MaxValue) : negative ? -magnitude : magnitude;
        return true;
    }
}
