using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Shared.Push;

/// <summary>
/// One condition of an override or underride rule, kept as the client gave it (so that it is
/// served back unchanged, unknown kinds included) with its parameters read out for evaluation.
/// A condition whose kind this server does not know never matches (spec: "Conditions").
/// </summary>
public sealed class PushCondition
{
    public const string EventMatch = "event_match";
    public const string EventPropertyIs = "event_property_is";
    public const string EventPropertyContains = "event_property_contains";
    public const string ContainsDisplayName = "contains_display_name";
    public const string RoomMemberCount = "room_member_count";
    public const string SenderNotificationPermission = "sender_notification_permission";

    /// <summary>
    /// Longer keys and patterns are refused: every event a user may be notified of is matched
    /// against them, and no real rule comes near this.
    /// </summary>
    public const int MaxParameterLength = 1024;

    private PushCondition(JsonObject json, string kind, string? key, string? pattern, string? @is, JsonElement? value)
    {
        Json = json;
        Kind = kind;
        Key = key;
        Pattern = pattern;
        Is = @is;
        Value = value;
    }

    /// <summary>The condition as given; callers must not modify it.</summary>
    public JsonObject Json { get; }
    public string Kind { get; }
    public string? Key { get; }
    public string? Pattern { get; }
    public string? Is { get; }

    /// <summary>The scalar of event_property_is / event_property_contains (Null kind for JSON null); absent elsewhere.</summary>
    public JsonElement? Value { get; }

    public static PushCondition EventMatchOf(string key, string pattern) =>
        Parse(new JsonObject { ["kind"] = EventMatch, ["key"] = key, ["pattern"] = pattern });

    public static PushCondition EventPropertyIsOf(string key, JsonNode? value) =>
        Parse(new JsonObject { ["kind"] = EventPropertyIs, ["key"] = key, ["value"] = value });

    public static PushCondition EventPropertyContainsOf(string key, JsonNode? value) =>
        Parse(new JsonObject { ["kind"] = EventPropertyContains, ["key"] = key, ["value"] = value });

    /// <summary>Reads a condition, checking the parameters its kind requires.</summary>
    /// <exception cref="PushRuleFormatException">Not an object, no kind, or a parameter missing or of the wrong type.</exception>
    public static PushCondition Parse(JsonNode? node)
    {
        if (node is not JsonObject json)
            throw new PushRuleFormatException("Each condition must be an object.");
        var kind = OptionalString(json, "kind") ?? throw new PushRuleFormatException("A condition needs a 'kind' string.");
        var key = OptionalString(json, "key");
        var pattern = OptionalString(json, "pattern");
        var @is = OptionalString(json, "is");
        JsonElement? value = null;
        if (json.TryGetPropertyValue("value", out var valueNode))
        {
            value = valueNode is null ? JsonElement.Parse("null") : JsonSerializer.SerializeToElement(valueNode);
            if (!PushValues.IsScalar(value.Value))
                throw new PushRuleFormatException("A condition's 'value' must be a string, an integer, a boolean or null.");
        }

        switch (kind)
        {
            case EventMatch:
                Require(key, "key", kind);
                Require(pattern, "pattern", kind);
                break;
            case EventPropertyIs or EventPropertyContains:
                Require(key, "key", kind);
                if (value is null)
                    throw new PushRuleFormatException($"A {kind} condition needs a 'value'.");
                break;
            case RoomMemberCount:
                Require(@is, "is", kind);
                break;
            case SenderNotificationPermission:
                Require(key, "key", kind);
                break;
        }
        // Cloned so that later changes to the caller's tree cannot reach the stored rule.
        return new PushCondition((JsonObject)json.DeepClone(), kind, key, pattern, @is, value);
    }

    private static string? OptionalString(JsonObject json, string name)
    {
        if (!json.TryGetPropertyValue(name, out var node) || node is null)
            return null;
        if (node is not JsonValue v || !v.TryGetValue<string>(out var s))
            throw new PushRuleFormatException($"A condition's '{name}' must be a string.");
        return s.Length <= MaxParameterLength
            ? s
            : throw new PushRuleFormatException($"A condition's '{name}' is longer than {MaxParameterLength} characters.");
    }

    private static void Require(string? value, string name, string kind)
    {
        if (value is null)
            throw new PushRuleFormatException($"A {kind} condition needs a '{name}' string.");
    }
}
