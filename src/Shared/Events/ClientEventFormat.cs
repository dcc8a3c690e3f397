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
