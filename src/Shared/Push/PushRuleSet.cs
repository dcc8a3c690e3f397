using System.Text.Json.Nodes;

namespace Cluster.Shared.Push;

/// <summary>
/// A user's global ruleset as evaluated and as served: per kind, highest priority first, the
/// master rule leading the override rules, then the user's rules of each kind ahead of the
/// server defaults of that kind (spec: "Predefined Rules").
/// </summary>
public sealed class PushRuleSet
{
    private readonly IReadOnlyList<PushRule>[] _byKind;

    public PushRuleSet(IReadOnlyDictionary<PushRuleKind, IReadOnlyList<PushRule>> rules)
    {
        _byKind = new IReadOnlyList<PushRule>[PushRuleKinds.InPriorityOrder.Count];
        foreach (var kind in PushRuleKinds.InPriorityOrder)
        {
            var list = rules.TryGetValue(kind, out var given) ? given : [];
            if (list.Any(r => r.Kind != kind))
                throw new ArgumentException($"A rule in the {kind.Name()} list is of another kind.", nameof(rules));
            _byKind[(int)kind] = list;
        }
    }

    public IReadOnlyList<PushRule> this[PushRuleKind kind] => _byKind[(int)kind];

    /// <summary>Every rule in evaluation order.</summary>
    public IEnumerable<PushRule> InEvaluationOrder => PushRuleKinds.InPriorityOrder.SelectMany(kind => _byKind[(int)kind]);

    public PushRule? Find(PushRuleKind kind, string ruleId) =>
        _byKind[(int)kind].FirstOrDefault(r => string.Equals(r.RuleId, ruleId, StringComparison.Ordinal));

    /// <summary>The spec's Ruleset object (what GET /pushrules/global/ answers).</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var kind in PushRuleKinds.InPriorityOrder)
            json[kind.Name()] = new JsonArray([.. _byKind[(int)kind].Select(r => (JsonNode)r.ToJson())]);
        return json;
    }

    /// <summary>
    /// Puts a user's rules together with the server defaults: master first, then per kind the
    /// user's rules (already highest priority first) ahead of the defaults, with the user's
    /// changes to the defaults' enabled flag and actions applied.
    /// </summary>
    public static PushRuleSet Assemble(
        IReadOnlyList<PushRule> defaults, IReadOnlyList<PushRule> userRules,
        IReadOnlyDictionary<(PushRuleKind Kind, string RuleId), DefaultRuleChange> changes)
    {
        var byKind = new Dictionary<PushRuleKind, IReadOnlyList<PushRule>>();
        foreach (var kind in PushRuleKinds.InPriorityOrder)
        {
            var list = new List<PushRule>();
            var kindDefaults = defaults.Where(r => r.Kind == kind).Select(r => Apply(r, changes)).ToList();
            // Master outranks every rule, user-defined ones included.
            list.AddRange(kindDefaults.Where(r => r.RuleId == DefaultPushRules.Master));
            list.AddRange(userRules.Where(r => r.Kind == kind));
            list.AddRange(kindDefaults.Where(r => r.RuleId != DefaultPushRules.Master));
            byKind[kind] = list;
        }
        return new PushRuleSet(byKind);
    }

    private static PushRule Apply(PushRule rule, IReadOnlyDictionary<(PushRuleKind, string), DefaultRuleChange> changes) =>
        changes.TryGetValue((rule.Kind, rule.RuleId), out var change)
            ? rule with { Enabled = change.Enabled ?? rule.Enabled, Actions = change.Actions ?? rule.Actions }
            : rule;
}

/// <summary>What a user changed of a server-default rule; null keeps the default.</summary>
public sealed record DefaultRuleChange(bool? Enabled, JsonArray? Actions);
