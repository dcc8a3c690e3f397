using System.Text.Json.Nodes;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Push;

namespace Cluster.Workers.StreamWriters.PushRules;

/// <summary>
/// Push rule changes, from any process: <see cref="PushRulesWriter"/> where this instance writes
/// the push rules stream, <see cref="RemotePushRulesWriter"/> (to the writer instance)
/// elsewhere. Each returns once this process's /sync can see the change; the writer's errors
/// (404 M_NOT_FOUND for a missing rule or anchor, too many rules) come through unchanged.
/// </summary>
public interface IPushRulesWriter
{
    /// <summary>Adds or replaces a user-defined rule, placed before or after another when asked.</summary>
    Task PutAsync(UserId user, NewPushRule rule, string? before, string? after, CancellationToken cancellationToken);

    Task DeleteAsync(UserId user, PushRuleKind kind, string ruleId, CancellationToken cancellationToken);

    Task SetEnabledAsync(UserId user, PushRuleKind kind, string ruleId, bool enabled, CancellationToken cancellationToken);

    Task SetActionsAsync(UserId user, PushRuleKind kind, string ruleId, JsonArray actions, CancellationToken cancellationToken);
}
