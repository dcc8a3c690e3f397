using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Events;

/// <summary>
/// What the client format adds to an event beyond the PDU itself, known only to the server that
/// serves it: all optional.
/// </summary>
public sealed record ClientEventExtras
{
    /// <summary>The content of the state event this one replaced (<c>unsigned.prev_content</c>), already redacted if that event was.</summary>
    public JsonObject? PrevContent { get; init; }

    /// <summary>The redaction that removed this event's content, in client format (<c>unsigned.redacted_because</c>).</summary>
    public JsonObject? RedactedBecause { get; init; }

    /// <summary>The client's transaction ID, set only when the requesting device sent the event.</summary>
    public string? TransactionId { get; init; }
}

/// <summary>
/// The client-server API's event format ("ClientEvent"): the fields a client reads, without the
/// federation fields (hashes, signatures, auth and prev events, depth), with <c>unsigned</c>
/// computed per request. A redacted event is served in its redacted form.
/// </summary>
public static class ClientEventFormat
{
    /// <summary>
    /// Formats <paramref name="pdu"/> (the stored event) for a client.
    /// </summary>
    /// <param name="roomId">The room ID, which a v12 create event does not carry.</param>
    /// <param name="redacted">Whether a redaction applies: the content is then pruned by the room version's rules.</param>
    /// <param name="nowMs">The server's clock, for <c>unsigned.age</c>.</param>
    public static JsonObject Format(
        JsonObject pdu, RoomVersion version, string eventId, string roomId, bool redacted, long nowMs,
        ClientEventExtras? extras = null)
    {
        var source = redacted ? Redaction.Redact(pdu, version) : pdu;
        var result = new JsonObject
        {
            ["content"] = (source["content"] as JsonObject)?.DeepClone() ?? new JsonObject(),
            ["event_id"] = eventId,
            ["origin_server_ts"] = source["origin_server_ts"]?.DeepClone(),
            ["room_id"] = roomId,
            ["sender"] = source["sender"]?.DeepClone(),
            ["type"] = source["type"]?.DeepClone(),
        };
        if (source.TryGetPropertyValue("state_key", out var stateKey))
            result["state_key"] = stateKey?.DeepClone();
        // Rooms before v11 carry the redacted event's ID at the top level of a redaction; the
        // client format keeps it there for them.
        if (source.TryGetPropertyValue("redacts", out var redacts) && redacts is JsonValue)
            result["redacts"] = redacts.DeepClone();

        var unsigned = new JsonObject();
        if (OriginServerTs(pdu) is { } ts)
            unsigned["age"] = Math.Max(0, nowMs - ts);
        if (extras is not null)
        {
            if (extras.PrevContent is not null && stateKey is not null)
                unsigned["prev_content"] = extras.PrevContent.DeepClone();
            if (redacted && extras.RedactedBecause is not null)
                unsigned["redacted_because"] = extras.RedactedBecause.DeepClone();
            if (extras.TransactionId is not null)
                unsigned["transaction_id"] = extras.TransactionId;
        }
        result["unsigned"] = unsigned;
        return result;
    }

    /// <summary>
    /// As <see cref="Format(JsonObject, RoomVersion, string, string, bool, long, ClientEventExtras?)"/>,
    /// from the stored event's UTF-8 JSON: the same result, without a node tree of the whole PDU.
    /// Served events are mostly read once per recipient (every member's /sync), so the content is
    /// copied as raw JSON and the federation fields (hashes, signatures, auth and prev events) are
    /// never materialised. A redacted event takes the tree path: redaction rewrites the content.
    /// </summary>
    public static JsonObject Format(
        ReadOnlyMemory<byte> pduJson, RoomVersion version, string eventId, string roomId, bool redacted, long nowMs,
        ClientEventExtras? extras = null)
    {
        if (redacted)
            return Format(JsonNode.Parse(pduJson.Span)!.AsObject(), version, eventId, roomId, redacted, nowMs, extras);
        using var document = JsonDocument.Parse(pduJson);
        var pdu = document.RootElement;
        var content = pdu.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.Object
            ? JsonObject.Create(c.Clone())!
            : new JsonObject();
        var result = new JsonObject
        {
            ["content"] = content,
            ["event_id"] = eventId,
            ["origin_server_ts"] = NodeOf(pdu, "origin_server_ts"),
            ["room_id"] = roomId,
            ["sender"] = NodeOf(pdu, "sender"),
            ["type"] = NodeOf(pdu, "type"),
        };
        var isState = pdu.TryGetProperty("state_key", out var stateKey);
        if (isState)
            result["state_key"] = NodeOf(stateKey);
        if (pdu.TryGetProperty("redacts", out var redacts) && redacts.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Null))
            result["redacts"] = NodeOf(redacts);

        var unsigned = new JsonObject();
        if (pdu.TryGetProperty("origin_server_ts", out var tsElement) && tsElement.ValueKind == JsonValueKind.Number
            && tsElement.TryGetInt64(out var ts))
            unsigned["age"] = Math.Max(0, nowMs - ts);
        if (extras is not null)
        {
            if (extras.PrevContent is not null && isState && stateKey.ValueKind != JsonValueKind.Null)
                unsigned["prev_content"] = extras.PrevContent.DeepClone();
            if (extras.TransactionId is not null)
                unsigned["transaction_id"] = extras.TransactionId;
        }
        result["unsigned"] = unsigned;
        return result;
    }

    // A copy of one top-level value that outlives the parsed document; null when absent or null,
    // as indexing a parsed node would give.
    private static JsonNode? NodeOf(JsonElement pdu, string property) =>
        pdu.TryGetProperty(property, out var value) ? NodeOf(value) : null;

    private static JsonNode? NodeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => JsonValue.Create(value.GetString()),
        JsonValueKind.Number when value.TryGetInt64(out var number) => JsonValue.Create(number),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.Object => JsonObject.Create(value.Clone()),
        JsonValueKind.Array => JsonArray.Create(value.Clone()),
        _ => JsonValue.Create(value.Clone()),
    };

    /// <summary>The content of <paramref name="pdu"/> as a client sees it: pruned if redacted.</summary>
    public static JsonObject ContentOf(JsonObject pdu, RoomVersion version, bool redacted)
    {
        var source = redacted ? Redaction.Redact(pdu, version) : pdu;
        return (source["content"] as JsonObject)?.DeepClone().AsObject() ?? new JsonObject();
    }

    private static long? OriginServerTs(JsonObject pdu)
    {
        if (pdu["origin_server_ts"] is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
            return null;
        if (value.TryGetValue<long>(out var ts))
            return ts;
        return value.TryGetValue<JsonElement>(out var element) && element.TryGetInt64(out ts) ? ts : null;
    }
}
