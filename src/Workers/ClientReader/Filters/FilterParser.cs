using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Http;

namespace Cluster.Workers.ClientReader.Filters;

/// <summary>
/// Reads a filter from JSON, checking its shape: a field of the wrong JSON type is 400
/// M_BAD_JSON, a value out of range (limit below 1, unknown event_format) 400 M_INVALID_PARAM.
/// Unknown fields are ignored, as the spec adds fields over time.
/// </summary>
public static class FilterParser
{
    /// <summary>Filters longer than this (as uploaded) are refused with 413 M_TOO_LARGE.</summary>
    public const int MaxFilterBytes = 64 * 1024;

    public static Filter Parse(JsonObject json)
    {
        var format = OptionalString(json, "event_format", "filter") ?? Filter.ClientFormat;
        if (format is not (Filter.ClientFormat or Filter.FederationFormat))
            throw MatrixException.InvalidParam("event_format must be 'client' or 'federation'.");
        return new Filter(
            EventFields: StringList(json, "event_fields", "filter"),
            EventFormat: format,
            Presence: OptionalObject(json, "presence", "filter") is { } presence ? ParseEventFilter(presence, "presence") : null,
            AccountData: OptionalObject(json, "account_data", "filter") is { } accountData ? ParseEventFilter(accountData, "account_data") : null,
            Room: OptionalObject(json, "room", "filter") is { } room ? ParseRoomFilter(room) : null);
    }

    /// <summary>A RoomEventFilter on its own: the <c>filter</c> query parameter of /messages and /context.</summary>
    public static RoomEventFilter ParseRoomEventFilter(JsonObject json) => ParseRoomEventFilter(json, "filter");

    private static RoomFilter ParseRoomFilter(JsonObject json) => new(
        Rooms: StringList(json, "rooms", "room"),
        NotRooms: StringList(json, "not_rooms", "room"),
        IncludeLeave: OptionalBool(json, "include_leave", "room") ?? false,
        Timeline: RoomEvents(json, "timeline"),
        State: RoomEvents(json, "state"),
        Ephemeral: RoomEvents(json, "ephemeral"),
        AccountData: RoomEvents(json, "account_data"));

    private static RoomEventFilter? RoomEvents(JsonObject room, string name) =>
        OptionalObject(room, name, "room") is { } json ? ParseRoomEventFilter(json, "room." + name) : null;

    private static EventFilter ParseEventFilter(JsonObject json, string where) => new(
        Limit(json, where),
        StringList(json, "types", where),
        StringList(json, "not_types", where),
        StringList(json, "senders", where),
        StringList(json, "not_senders", where));

    private static RoomEventFilter ParseRoomEventFilter(JsonObject json, string where) => new(
        Limit(json, where),
        StringList(json, "types", where),
        StringList(json, "not_types", where),
        StringList(json, "senders", where),
        StringList(json, "not_senders", where),
        StringList(json, "rooms", where),
        StringList(json, "not_rooms", where),
        OptionalBool(json, "contains_url", where),
        OptionalBool(json, "lazy_load_members", where) ?? false,
        OptionalBool(json, "include_redundant_members", where) ?? false,
        OptionalBool(json, "unread_thread_notifications", where) ?? false);

    private static int? Limit(JsonObject json, string where)
    {
        var node = json["limit"];
        if (node is null)
            return null;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
            throw MatrixException.BadJson($"{where}.limit must be an integer.");
        if (!value.TryGetValue<long>(out var limit))
            throw MatrixException.BadJson($"{where}.limit must be an integer.");
        if (limit < 1)
            throw MatrixException.InvalidParam($"{where}.limit must be greater than 0.");
        return (int)Math.Min(limit, int.MaxValue);
    }

    private static IReadOnlyList<string>? StringList(JsonObject json, string name, string where)
    {
        var node = json[name];
        if (node is null)
            return null;
        if (node is not JsonArray array)
            throw MatrixException.BadJson($"{where}.{name} must be an array of strings.");
        var list = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
                throw MatrixException.BadJson($"{where}.{name} must be an array of strings.");
            list.Add(value.GetValue<string>());
        }
        return list;
    }

    private static string? OptionalString(JsonObject json, string name, string where) =>
        json[name] switch
        {
            null => null,
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
            _ => throw MatrixException.BadJson($"{where}.{name} must be a string."),
        };

    private static bool? OptionalBool(JsonObject json, string name, string where) =>
        json[name] switch
        {
            null => null,
            JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
            _ => throw MatrixException.BadJson($"{where}.{name} must be a boolean."),
        };

    private static JsonObject? OptionalObject(JsonObject json, string name, string where) =>
        json[name] switch
        {
            null => null,
            JsonObject value => value,
            _ => throw MatrixException.BadJson($"{where}.{name} must be an object."),
        };
}
