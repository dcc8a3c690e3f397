using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Identifiers;

namespace Cluster.Shared.Http;

/// <summary>
/// Reads identifiers from paths and typed fields from JSON bodies, answering malformed input with
/// the spec's 400 errors (M_INVALID_PARAM for a bad identifier, M_BAD_JSON for a field of the
/// wrong type) instead of letting it reach the stores.
/// </summary>
public static class RequestValues
{
    public static RoomId RoomId(string? value, string what = "room ID") =>
        Identifiers.RoomId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"'{Shorten(value)}' is not a valid {what}.");

    public static UserId UserId(string? value, string what = "user ID") =>
        Identifiers.UserId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"'{Shorten(value)}' is not a valid {what}.");

    public static EventId EventId(string? value) =>
        Identifiers.EventId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"'{Shorten(value)}' is not a valid event ID.");

    public static RoomAlias RoomAlias(string? value) =>
        Identifiers.RoomAlias.TryParse(value, out var alias) ? alias : throw MatrixException.InvalidParam($"'{Shorten(value)}' is not a valid room alias.");

    /// <summary>An event type or state key from the path: any string of at most 255 bytes of UTF-8 (the PDU field limit).</summary>
    public static string EventField(string? value, string what, bool allowEmpty)
    {
        if (value is null || (!allowEmpty && value.Length == 0))
            throw MatrixException.InvalidParam($"The {what} is missing.");
        if (Encoding.UTF8.GetByteCount(value) > 255)
            throw MatrixException.TooLarge($"The {what} is longer than 255 bytes.");
        return value;
    }

    /// <summary>A reason given with a membership change; any string.</summary>
    public static string? Reason(JsonObject body) => body.OptionalString("reason");

    // Echoing a megabyte of garbage back in an error helps nobody.
    private static string Shorten(string? value) =>
        value is null ? "" : value.Length <= 80 ? value : value[..80] + "…";
}
