using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Identifiers;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Federation.Pdus;

/// <summary>
/// The shape a PDU must have in its room version (room versions spec, "Event format"): the fields every
/// PDU carries with their types, well-formed identifiers, and references in the version's form.
/// </summary>
internal static class PduFormat
{
    /// <summary>
    /// Most prev_events and auth_events a PDU may cite. The spec sets no figure; these are the limits
    /// Synapse, Dendrite and Conduit share, so events within them travel everywhere, and they keep
    /// one event from making this server fetch hundreds of others.
    /// </summary>
    public const int MaxPrevEvents = 20;
    public const int MaxAuthEvents = 10;

    /// <summary>What is wrong with the event's shape, or null when nothing is.</summary>
    public static string? FindViolation(JsonObject json, RoomVersion version)
    {
        if (StringOf(json["type"]) is not { Length: > 0 } type) return "type is missing or not a non-empty string";
        if (!MatrixIds.IsValidUserId(StringOf(json["sender"]))) return "sender is missing or not a user ID";
        if (RoomIdViolation(json, version, type) is { } roomId) return roomId;
        if (json.TryGetPropertyValue("state_key", out var stateKey) && StringOf(stateKey) is null) return "state_key is not a string";
        if (json["content"] is not JsonObject) return "content is missing or not an object";
        if (!IsInteger(json["depth"], out var depth) || depth < 0) return "depth is missing or not a non-negative integer";
        if (!IsInteger(json["origin_server_ts"], out _)) return "origin_server_ts is missing or not an integer";
        if (json["hashes"] is not JsonObject) return "hashes is missing or not an object";
        if (json["signatures"] is not JsonObject) return "signatures is missing or not an object";
        if (ReferencesViolation(json, "prev_events", MaxPrevEvents, version) is { } prev) return prev;
        if (ReferencesViolation(json, "auth_events", MaxAuthEvents, version) is { } auth) return auth;
        if (version.ServerGeneratedEventIds && !EventId.TryParse(StringOf(json["event_id"]), EventFormat.V1, out _, out _))
            return $"event_id is missing or not a $local:server event ID, which room version {version.Id} requires";
        return null;
    }

    private static string? RoomIdViolation(JsonObject json, RoomVersion version, string type)
    {
        if (!json.TryGetPropertyValue("room_id", out var node))
            // A v12 create event founds its room: its ID is the room's.
            return version.RoomIdFromCreateEvent && type == "m.room.create" ? null : "room_id is missing";
        if (!RoomId.TryParse(StringOf(node), out var roomId)) return "room_id is not a room ID";
        // A v12 create event that carries a room_id anyway is for the auth rules to reject.
        if (version.RoomIdFromCreateEvent && type != "m.room.create" && roomId.HasDomain)
            return $"room_id has a server name, which room version {version.Id} room IDs do not";
        if (!version.RoomIdFromCreateEvent && !roomId.HasDomain)
            return $"room_id has no server name, which room version {version.Id} room IDs need";
        return null;
    }

    private static string? ReferencesViolation(JsonObject json, string field, int max, RoomVersion version)
    {
        if (json[field] is not JsonArray references) return $"{field} is missing or not an array";
        if (references.Count > max) return $"{field} cites {references.Count} events, at most {max} are accepted";
        foreach (var reference in references)
        {
            // v1/v2 cite [event_id, {hashes}] pairs; later versions cite bare IDs.
            var id = version.EventFormat == EventFormat.V1
                ? reference is JsonArray { Count: 2 } pair && pair[1] is JsonObject ? StringOf(pair[0]) : null
                : StringOf(reference);
            if (!EventId.TryParse(id, version.EventFormat, out _, out _))
                return version.EventFormat == EventFormat.V1
                    ? $"{field} holds an entry that is not an [event_id, hashes] pair"
                    : $"{field} holds an entry that is not an event ID of room version {version.Id}";
        }
        return null;
    }

    private static bool IsInteger(JsonNode? node, out long value)
    {
        value = 0;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) return false;
        if (v.TryGetValue(out value)) return true;
        if (v.TryGetValue<int>(out var i)) { value = i; return true; }
        return v.TryGetValue<JsonElement>(out var element) && element.TryGetInt64(out value);
    }

    private static string? StringOf(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
