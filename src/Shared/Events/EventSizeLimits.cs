using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Json;

namespace Cluster.Shared.Events;

public enum EventSizeStatus
{
    WithinLimits,
    /// <summary>The whole event's canonical JSON is over <see cref="EventSizeLimits.MaxEventBytes"/>.</summary>
    EventTooLarge,
    /// <summary>One of the limited fields is over <see cref="EventSizeLimits.MaxFieldBytes"/>.</summary>
    FieldTooLong,
    /// <summary>The event cannot be written as canonical JSON, so its size is undefined.</summary>
    NotCanonicalJson,
}

/// <summary>The result of <see cref="EventSizeLimits.Check"/>; <see cref="Field"/> names the offending field.</summary>
public readonly record struct EventSizeCheck(EventSizeStatus Status, string? Field = null, int ActualBytes = 0, int LimitBytes = 0)
{
    public bool IsValid => Status == EventSizeStatus.WithinLimits;

    public override string ToString() => Status switch
    {
        EventSizeStatus.WithinLimits => "within size limits",
        EventSizeStatus.EventTooLarge => $"event is {ActualBytes} bytes of canonical JSON, the limit is {LimitBytes}",
        EventSizeStatus.FieldTooLong => $"{Field} is {ActualBytes} bytes, the limit is {LimitBytes}",
        _ => "event is not canonical JSON",
    };
}

/// <summary>
/// The size limits on PDUs (client-server spec "Size limits"): the complete event, signatures included,
/// is at most 65536 bytes of canonical JSON; <c>sender</c>, <c>room_id</c>, <c>state_key</c>, <c>type</c> and
/// <c>event_id</c> are at most 255 bytes of UTF-8 each (the user, room and event ID limits are all 255).
/// </summary>
public static class EventSizeLimits
{
    public const int MaxEventBytes = 65536;
    public const int MaxFieldBytes = 255;

    public static IReadOnlyList<string> LimitedFields { get; } = ["sender", "room_id", "state_key", "type", "event_id"];

    /// <summary>
    /// Checks the event as it travels over federation. <paramref name="eventId"/> supplies the ID of
    /// v3+ events, which do not carry it; a carried <c>event_id</c> is checked too. Fields that are not
    /// strings are left to the event format checks.
    /// </summary>
    public static EventSizeCheck Check(JsonObject evt, string? eventId = null) =>
        CheckFields(evt, eventId) ?? CheckLength(evt);

    /// <summary>
    /// As <see cref="Check(JsonObject, string?)"/>, for an event whose canonical JSON the caller
    /// has already encoded (<paramref name="canonicalLength"/> bytes).
    /// </summary>
    public static EventSizeCheck Check(JsonObject evt, string? eventId, int canonicalLength) =>
        CheckFields(evt, eventId) ?? LengthCheck(canonicalLength);

    private static EventSizeCheck? CheckFields(JsonObject evt, string? eventId)
    {
        foreach (var field in LimitedFields)
        {
            if (evt[field] is JsonValue v && v.GetValueKind() == JsonValueKind.String
                && Encoding.UTF8.GetByteCount(v.GetValue<string>()) is var bytes and > MaxFieldBytes)
                return new EventSizeCheck(EventSizeStatus.FieldTooLong, field, bytes, MaxFieldBytes);
        }
        if (eventId is not null && Encoding.UTF8.GetByteCount(eventId) is var idBytes and > MaxFieldBytes)
            return new EventSizeCheck(EventSizeStatus.FieldTooLong, "event_id", idBytes, MaxFieldBytes);
        return null;
    }

    private static EventSizeCheck CheckLength(JsonObject evt)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            CanonicalJson.Encode(evt, buffer);
        }
        catch (CanonicalJsonException)
        {
            return new EventSizeCheck(EventSizeStatus.NotCanonicalJson);
        }
        return LengthCheck(buffer.WrittenCount);
    }

    private static EventSizeCheck LengthCheck(int canonicalLength) =>
        canonicalLength > MaxEventBytes
            ? new EventSizeCheck(EventSizeStatus.EventTooLarge, null, canonicalLength, MaxEventBytes)
            : new EventSizeCheck(EventSizeStatus.WithinLimits);
}
