using System.Text.Json.Nodes;

namespace Cluster.Shared.Push;

/// <summary>
/// One push rule as a user's ruleset holds it: a server default (rule IDs starting with '.')
/// or one the user defined. <see cref="Conditions"/> is set for override and underride rules,
/// <see cref="Pattern"/> for content rules; room and sender rules match on their rule ID.
/// </summary>
public sealed record PushRule(
    PushRuleKind Kind,
    string RuleId,
    bool IsDefault,
    bool Enabled,
    JsonArray Actions,
    IReadOnlyList<PushCondition>? Conditions = null,
    string? Pattern = null)
{
    /// <summary>Server-default rule IDs start with a dot, and clients may not create such IDs.</summary>
    public static bool IsServerDefaultId(string ruleId) => ruleId.StartsWith('.');

    /// <summary>The spec's PushRule object.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["rule_id"] = RuleId,
            ["default"] = IsDefault,
            ["enabled"] = Enabled,
            ["actions"] = Actions.DeepClone(),
        };
        if (Conditions is not null)
            json["conditions"] = new JsonArray([.. Conditions.Select(c => (JsonNode)c.Json.DeepClone())]);
        if (Pattern is not null)
            json["pattern"] = Pattern;
        return json;
    }
}
