using System.Text.Json.Nodes;

namespace Cluster.Shared.Push;

/// <summary>What a matched rule's actions ask for.</summary>
public readonly record struct PushOutcome(bool Notify, bool Highlight, string? Sound)
{
    public static PushOutcome None => default;
}

/// <summary>Reads and checks push rule action lists (spec: "Actions").</summary>
public static class PushActions
{
    public const string Notify = "notify";

    /// <summary>Historical actions that clients and servers must ignore (spec: "Historical Actions").</summary>
    private static readonly HashSet<string> Historical = new(StringComparer.Ordinal) { "dont_notify", "coalesce" };

    /// <summary>
    /// Checks an action list from a client and returns it without the historical actions, which
    /// the spec asks servers to strip.
    /// </summary>
    /// <exception cref="PushRuleFormatException">Not an array, an unknown action, or a malformed tweak.</exception>
    public static JsonArray Normalise(JsonNode? actions)
    {
        if (actions is not JsonArray array)
            throw new PushRuleFormatException("'actions' must be an array.");
        var result = new JsonArray();
        foreach (var action in array)
        {
            switch (action)
            {
                case JsonValue value when value.TryGetValue<string>(out var name):
                    if (Historical.Contains(name))
                        continue;
                    if (name != Notify)
                        throw new PushRuleFormatException($"Unknown action '{name}'.");
                    result.Add(name);
                    break;
                case JsonObject tweak:
                    CheckTweak(tweak);
                    result.Add(tweak.DeepClone());
                    break;
                default:
                    throw new PushRuleFormatException("Each action must be a string or an object.");
            }
        }
        return result;
    }

    private static void CheckTweak(JsonObject tweak)
    {
        if (!tweak.TryGetPropertyValue("set_tweak", out var nameNode) || nameNode is not JsonValue nameValue
            || !nameValue.TryGetValue<string>(out var name))
            throw new PushRuleFormatException("An action object needs a 'set_tweak' string.");
        tweak.TryGetPropertyValue("value", out var value);
        switch (name)
        {
            case "highlight" when value is not null && !(value is JsonValue hv && hv.TryGetValue<bool>(out _)):
                throw new PushRuleFormatException("The highlight tweak's value must be a boolean.");
            case "sound" when !(value is JsonValue sv && sv.TryGetValue<string>(out _)):
                throw new PushRuleFormatException("The sound tweak's value must be a string.");
        }
    }

    /// <summary>What the actions mean for the user: whether to notify, highlight, and which sound.</summary>
    public static PushOutcome Interpret(JsonArray actions)
    {
        var notify = false;
        var highlight = false;
        string? sound = null;
        foreach (var action in actions)
        {
            if (action is JsonValue value && value.TryGetValue<string>(out var name))
            {
                notify |= name == Notify;
                continue;
            }
            if (action is not JsonObject tweak || tweak["set_tweak"] is not JsonValue tv || !tv.TryGetValue<string>(out var tweakName))
                continue;
            tweak.TryGetPropertyValue("value", out var tweakValue);
            if (tweakName == "highlight")
                // No value means true (spec: "highlight" tweak).
                highlight = tweakValue is null || (tweakValue is JsonValue hv && hv.TryGetValue<bool>(out var h) && h);
            else if (tweakName == "sound" && tweakValue is JsonValue sv && sv.TryGetValue<string>(out var s))
                sound = s;
        }
        return new PushOutcome(notify, highlight, sound);
    }
}
