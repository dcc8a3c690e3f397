using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Shared.Push;

/// <summary>The rule that decided an event's fate for one user, and what it decided.</summary>
public sealed record PushEvaluation(PushRule? MatchedRule, PushOutcome Outcome)
{
    public bool Notify => Outcome.Notify;
    public bool Highlight => Outcome.Highlight;

    public static PushEvaluation NoMatch { get; } = new(null, PushOutcome.None);
}

/// <summary>
/// Decides whether an event notifies (and highlights) a user: the first enabled rule that
/// matches, in kind order then list order, supplies the actions; no match means no
/// notification. What /sync counts in unread_notifications and highlight_count.
/// </summary>
public static class PushRuleEvaluator
{
    public static PushEvaluation Evaluate(PushRuleSet rules, PushEventContext context)
    {
        var @event = context.Event;
        if (@event.ValueKind != JsonValueKind.Object)
            return PushEvaluation.NoMatch;
        // "Homeservers MUST NOT notify the Push Gateway for events that the user has sent themselves."
        if (StringAt(@event, "sender") is { } sender && sender == context.UserId)
            return PushEvaluation.NoMatch;
        var hasMentions = PropertyPath.TryGet(@event, @"content.m\.mentions", out _);

        foreach (var rule in rules.InEvaluationOrder)
        {
            if (!rule.Enabled)
                continue;
            if (rule.IsDefault && hasMentions && DefaultPushRules.LegacyMentionRules.Contains(rule.RuleId))
                continue;
            if (RuleMatches(rule, context))
                return new PushEvaluation(rule, PushActions.Interpret(rule.Actions));
        }
        return PushEvaluation.NoMatch;
    }

    public static bool RuleMatches(PushRule rule, PushEventContext context)
    {
        var @event = context.Event;
        switch (rule.Kind)
        {
            case PushRuleKind.Override or PushRuleKind.Underride:
                foreach (var condition in rule.Conditions ?? [])
                    if (!ConditionHolds(condition, context))
                        return false;
                return true;
            case PushRuleKind.Content:
                return rule.Pattern is { } pattern && StringAt(@event, "content.body") is { } body
                    && Glob.MatchesWords(pattern, body);
            case PushRuleKind.Room:
                return StringAt(@event, "room_id") == rule.RuleId;
            case PushRuleKind.Sender:
                return StringAt(@event, "sender") == rule.RuleId;
            default:
                return false;
        }
    }

    public static bool ConditionHolds(PushCondition condition, PushEventContext context)
    {
        var @event = context.Event;
        switch (condition.Kind)
        {
            case PushCondition.EventMatch:
                // Absent or not a string: no match, "even if pattern is *".
                if (condition.Key is not { } key || condition.Pattern is not { } pattern || StringAt(@event, key) is not { } value)
                    return false;
                return key == "content.body" ? Glob.MatchesWords(pattern, value) : Glob.Matches(pattern, value);

            case PushCondition.EventPropertyIs:
                return condition.Key is { } isKey && condition.Value is { } expected
                    && PropertyPath.TryGet(@event, isKey, out var actual) && PushValues.ScalarEquals(actual, expected);

            case PushCondition.EventPropertyContains:
                if (condition.Key is not { } containsKey || condition.Value is not { } wanted
                    || !PropertyPath.TryGet(@event, containsKey, out var array) || array.ValueKind != JsonValueKind.Array)
                    return false;
                foreach (var item in array.EnumerateArray())
                    if (PushValues.ScalarEquals(item, wanted))
                        return true;
                return false;

            case PushCondition.ContainsDisplayName:
                return context.UserDisplayName is { Length: > 0 } displayName
                    && StringAt(@event, "content.body") is { } body && Glob.ContainsWords(displayName, body);

            case PushCondition.RoomMemberCount:
                return condition.Is is { } comparison && MemberCountMatches(comparison, context.RoomMemberCount);

            case PushCondition.SenderNotificationPermission:
                return condition.Key is { } permission && context.SenderPowerLevel >= context.RequiredNotificationLevel(permission);

            default:
                // "Unrecognised conditions MUST NOT match any events."
                return false;
        }
    }

    /// <summary>room_member_count's <c>is</c>: a decimal integer with an optional ==, &lt;, &gt;, &lt;= or &gt;= prefix (== if none).</summary>
    public static bool MemberCountMatches(string comparison, int memberCount)
    {
        var (op, digits) = comparison switch
        {
            _ when comparison.StartsWith("==", StringComparison.Ordinal) => ("==", comparison[2..]),
            _ when comparison.StartsWith("<=", StringComparison.Ordinal) => ("<=", comparison[2..]),
            _ when comparison.StartsWith(">=", StringComparison.Ordinal) => (">=", comparison[2..]),
            _ when comparison.StartsWith('<') => ("<", comparison[1..]),
            _ when comparison.StartsWith('>') => (">", comparison[1..]),
            _ => ("==", comparison),
        };
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)
            || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            return false;
        return op switch
        {
            "==" => memberCount == number,
            "<" => memberCount < number,
            ">" => memberCount > number,
            "<=" => memberCount <= number,
            _ => memberCount >= number,
        };
    }

    private static string? StringAt(JsonElement @event, string path) =>
        PropertyPath.TryGet(@event, path, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
