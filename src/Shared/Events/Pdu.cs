using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Events;

/// <summary>
/// A persistent data unit (room event) as the room's version shapes it: a typed view
/// over the event JSON, which stays the source of truth for hashing and signing.
/// </summary>
public sealed class Pdu
{
    private Pdu(JsonObject json, RoomVersion version, string eventId, string roomId, string sender, string type,
        string? stateKey, JsonObject content, long depth, long originServerTs,
        IReadOnlyList<string> prevEvents, IReadOnlyList<string> authEvents)
    {
        Json = json;
        Version = version;
        EventId = eventId;
        RoomId = roomId;
        Sender = sender;
        Type = type;
        StateKey = stateKey;
        Content = content;
        Depth = depth;
        OriginServerTs = originServerTs;
        PrevEventIds = prevEvents;
        AuthEventIds = authEvents;
    }

    public JsonObject Json { get; }
    public RoomVersion Version { get; }
    public string EventId { get; }
    public string RoomId { get; }
    public string Sender { get; }
    public string Type { get; }
    public string? StateKey { get; }
    public bool IsState => StateKey is not null;
    public JsonObject Content { get; }
    public long Depth { get; }
    public long OriginServerTs { get; }
    public IReadOnlyList<string> PrevEventIds { get; }
    public IReadOnlyList<string> AuthEventIds { get; }

    /// <summary>The redacted event's ID: <c>content.redacts</c> from v11, top-level <c>redacts</c> before (either is read).</summary>
    public string? Redacts =>
        (Version.UpdatedRedactionRules ? StringOf(Content["redacts"]) ?? StringOf(Json["redacts"])
                                       : StringOf(Json["redacts"]) ?? StringOf(Content["redacts"]));

    public (string Type, string StateKey)? StateKeyTuple => StateKey is null ? null : (Type, StateKey);

    public override string ToString() => $"{EventId} ({Type}{(StateKey is null ? "" : $", '{StateKey}'")})";

    /// <summary>
    /// Reads an event. <paramref name="eventId"/> is the ID computed for this version (for v1/v2 the
    /// <c>event_id</c> field). A v12 create event carries no <c>room_id</c>: its room ID is derived from its event ID.
    /// </summary>
    public static Pdu Parse(JsonObject json, RoomVersion version, string eventId)
    {
        var type = RequiredString(json, "type");
        var sender = RequiredString(json, "sender");
        string roomId;
        if (json["room_id"] is null && version.RoomIdFromCreateEvent && type == "m.room.create")
            roomId = "!" + eventId[1..];
        else
            roomId = RequiredString(json, "room_id");

        string? stateKey = null;
        if (json.TryGetPropertyValue("state_key", out var sk))
            stateKey = StringOf(sk) ?? throw new InvalidEventException("state_key must be a string.");

        var content = json["content"] switch
        {
            JsonObject c => c,
            null => throw new InvalidEventException("content is missing."),
            _ => throw new InvalidEventException("content must be an object."),
        };
        var depth = OptionalInteger(json, "depth") ?? 0;
        var ts = OptionalInteger(json, "origin_server_ts") ?? 0;
        return new Pdu(json, version, eventId, roomId, sender, type, stateKey, content, depth, ts,
            References(json, "prev_events", version), References(json, "auth_events", version));
    }

    private static IReadOnlyList<string> References(JsonObject json, string field, RoomVersion version)
    {
        if (json[field] is not JsonArray array) return [];
        var ids = new string[array.Count];
        for (var i = 0; i < array.Count; i++)
        {
            var item = array[i];
            ids[i] = version.EventFormat == EventFormat.V1
                ? item is JsonArray pair && pair.Count >= 1 && StringOf(pair[0]) is { } id
                    ? id
                    : throw new InvalidEventException($"{field} entries must be [event_id, hashes] pairs in this room version.")
                : StringOf(item) ?? throw new InvalidEventException($"{field} entries must be event ID strings in this room version.");
        }
        return ids;
    }

    private static string RequiredString(JsonObject json, string field) =>
        StringOf(json[field]) ?? throw new InvalidEventException($"{field} is missing or not a string.");

    private static long? OptionalInteger(JsonObject json, string field)
    {
        var node = json[field];
        if (node is null) return null;
        return IntegerOf(node) ?? throw new InvalidEventException($"{field} must be an integer.");
    }

    public static string? StringOf(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>The node as a 64-bit integer; null when it is anything else (a string, a fraction, too large, absent).</summary>
    public static long? IntegerOf(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
            return null;
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<int>(out var i)) return i;
        return v.TryGetValue<JsonElement>(out var el) && el.TryGetInt64(out l) ? l : null;
    }
}

/// <summary>An event that does not have the shape its room version requires.</summary>
public sealed class InvalidEventException(string message) : Exception(message);
