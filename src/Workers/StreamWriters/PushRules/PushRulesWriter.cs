using System.Text.Json.Nodes;
using Cluster.Replication.Hosting;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams.Common;
using Cluster.Replication.Streams.PushRules;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Push;
using Cluster.Workers.StreamWriters.Common;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Workers.StreamWriters.PushRules;

/// <summary>A user-defined rule as PUT describes it (already checked).</summary>
public sealed record NewPushRule(PushRuleKind Kind, string RuleId, JsonArray Actions, IReadOnlyList<PushCondition>? Conditions, string? Pattern);

/// <summary>
/// Changes a user's push rules. Each change runs in one transaction that holds the user's lock,
/// rewrites what it must and writes a push_rules stream row, so /sync sends the new ruleset.
/// Runs on the instance that writes the push rules stream.
/// </summary>
public sealed class PushRulesWriter(StreamHost<PushRulesRow> stream, NpgsqlDataSource dataSource, StreamNotifier notifier) : IPushRulesWriter
{
    /// <summary>User-defined rules per kind; more are refused, so a ruleset stays small enough to evaluate per event.</summary>
    public const int MaxRulesPerKind = 500;

    Task IPushRulesWriter.PutAsync(UserId user, NewPushRule rule, string? before, string? after, CancellationToken cancellationToken) =>
        PutAsync(user, rule, before, after, cancellationToken);

    Task IPushRulesWriter.DeleteAsync(UserId user, PushRuleKind kind, string ruleId, CancellationToken cancellationToken) =>
        DeleteAsync(user, kind, ruleId, cancellationToken);

    Task IPushRulesWriter.SetEnabledAsync(UserId user, PushRuleKind kind, string ruleId, bool enabled, CancellationToken cancellationToken) =>
        SetEnabledAsync(user, kind, ruleId, enabled, cancellationToken);

    Task IPushRulesWriter.SetActionsAsync(UserId user, PushRuleKind kind, string ruleId, JsonArray actions, CancellationToken cancellationToken) =>
        SetActionsAsync(user, kind, ruleId, actions, cancellationToken);

    /// <summary>
    /// Adds or replaces a user-defined rule. <paramref name="before"/> (which wins when both are
    /// given) or <paramref name="after"/> place it next to another user-defined rule of the kind;
    /// otherwise a new rule goes first and a replaced one keeps its place.
    /// </summary>
    public Task<StreamWritten?> PutAsync(UserId user, NewPushRule rule, string? before, string? after, CancellationToken cancellationToken) =>
        ChangeAsync(user, async (connection, ct) =>
        {
            var rules = await LoadKindAsync(connection, user, rule.Kind, ct);
            var index = rules.FindIndex(r => r.RuleId == rule.RuleId);
            var enabled = true;
            if (index >= 0)
            {
                enabled = rules[index].Enabled;
                rules.RemoveAt(index);
            }
            var stored = new PushRule(rule.Kind, rule.RuleId, IsDefault: false, enabled, rule.Actions, rule.Conditions, rule.Pattern);
            var anchor = before ?? after;
            if (anchor is not null)
            {
                var at = rules.FindIndex(r => r.RuleId == anchor);
                if (at < 0)
                    throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.Unknown, $"before/after rule not found: {anchor}");
                index = before is not null ? at : at + 1;
            }
            else if (index < 0)
            {
                index = 0;
            }
            rules.Insert(index, stored);
            if (rules.Count > MaxRulesPerKind)
                throw MatrixException.InvalidParam($"At most {MaxRulesPerKind} {rule.Kind.Name()} rules are allowed.");
            await RewriteKindAsync(connection, user, rule.Kind, rules, ct);
        }, cancellationToken);

    /// <summary>Deletes a user-defined rule; 404 M_NOT_FOUND if there is none.</summary>
    public Task<StreamWritten?> DeleteAsync(UserId user, PushRuleKind kind, string ruleId, CancellationToken cancellationToken) =>
        ChangeAsync(user, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(
                "DELETE FROM push_rules WHERE user_id = $1 AND kind = $2 AND rule_id = $3", connection);
            command.Parameters.AddWithValue(user.ToString());
            command.Parameters.AddWithValue(kind.Name());
            command.Parameters.AddWithValue(ruleId);
            if (await command.ExecuteNonQueryAsync(ct) == 0)
                throw NotFound();
        }, cancellationToken);

    /// <summary>Enables or disables any rule, server defaults included; 404 M_NOT_FOUND if there is none.</summary>
    public Task<StreamWritten?> SetEnabledAsync(UserId user, PushRuleKind kind, string ruleId, bool enabled, CancellationToken cancellationToken) =>
        SetAttributeAsync(user, kind, ruleId, "enabled", enabled, NpgsqlDbType.Boolean, cancellationToken);

    /// <summary>Replaces any rule's actions, server defaults included; 404 M_NOT_FOUND if there is none.</summary>
    public Task<StreamWritten?> SetActionsAsync(UserId user, PushRuleKind kind, string ruleId, JsonArray actions, CancellationToken cancellationToken) =>
        SetAttributeAsync(user, kind, ruleId, "actions", actions.ToJsonString(), NpgsqlDbType.Jsonb, cancellationToken);

    private Task<StreamWritten?> SetAttributeAsync(
        UserId user, PushRuleKind kind, string ruleId, string column, object value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        ChangeAsync(user, async (connection, ct) =>
        {
            NpgsqlCommand command;
            if (PushRule.IsServerDefaultId(ruleId))
            {
                if (!DefaultPushRules.For(user).Any(r => r.Kind == kind && r.RuleId == ruleId))
                    throw NotFound();
                // column is one of two constants, never client input.
                command = new NpgsqlCommand(
                    $"INSERT INTO push_rule_defaults (user_id, kind, rule_id, {column}) VALUES ($1, $2, $3, $4) " +
                    $"ON CONFLICT (user_id, kind, rule_id) DO UPDATE SET {column} = EXCLUDED.{column}", connection);
            }
            else
            {
                command = new NpgsqlCommand(
                    $"UPDATE push_rules SET {column} = $4 WHERE user_id = $1 AND kind = $2 AND rule_id = $3", connection);
            }
            await using (command)
            {
                command.Parameters.AddWithValue(user.ToString());
                command.Parameters.AddWithValue(kind.Name());
                command.Parameters.AddWithValue(ruleId);
                command.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });
                if (await command.ExecuteNonQueryAsync(ct) == 0)
                    throw NotFound();
            }
        }, cancellationToken);

    private async Task<StreamWritten?> ChangeAsync(UserId user, Func<NpgsqlConnection, CancellationToken, Task> change, CancellationToken cancellationToken)
    {
        var rows = await StreamTransaction.WriteAsync(stream, dataSource, async (connection, _, ct) =>
        {
            // One change per user at a time: each reads the user's rules, then rewrites them.
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('push_rules:' || $1, 0))", connection))
            {
                lockCommand.Parameters.AddWithValue(user.ToString());
                await lockCommand.ExecuteNonQueryAsync(ct);
            }
            await change(connection, ct);
            return [new PushRulesRow(user.ToString())];
        }, cancellationToken);
        await OwnWrites.WaitUntilVisibleAsync(notifier, stream.Name, rows, cancellationToken);
        return StreamWritten.Of(stream.Name, rows);
    }

    private static async Task<List<PushRule>> LoadKindAsync(NpgsqlConnection connection, UserId user, PushRuleKind kind, CancellationToken ct) =>
        (await PushRuleRows.LoadUserRulesAsync(connection, user.ToString(), ct)).Where(r => r.Kind == kind).ToList();

    private static async Task RewriteKindAsync(NpgsqlConnection connection, UserId user, PushRuleKind kind, List<PushRule> rules, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection);
        var delete = new NpgsqlBatchCommand("DELETE FROM push_rules WHERE user_id = $1 AND kind = $2");
        delete.Parameters.AddWithValue(user.ToString());
        delete.Parameters.AddWithValue(kind.Name());
        batch.BatchCommands.Add(delete);
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var insert = new NpgsqlBatchCommand(
                "INSERT INTO push_rules (user_id, kind, rule_id, priority, conditions, pattern, actions, enabled) " +
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
            insert.Parameters.AddWithValue(user.ToString());
            insert.Parameters.AddWithValue(kind.Name());
            insert.Parameters.AddWithValue(rule.RuleId);
            // First in the list is the most important: the highest priority.
            insert.Parameters.AddWithValue(rules.Count - i);
            insert.Parameters.Add(new NpgsqlParameter
            {
                Value = rule.Conditions is null ? DBNull.Value : new JsonArray([.. rule.Conditions.Select(c => (JsonNode)c.Json.DeepClone())]).ToJsonString(),
                NpgsqlDbType = NpgsqlDbType.Jsonb,
            });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)rule.Pattern ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = rule.Actions.ToJsonString(), NpgsqlDbType = NpgsqlDbType.Jsonb });
            insert.Parameters.AddWithValue(rule.Enabled);
            batch.BatchCommands.Add(insert);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static MatrixException NotFound() => MatrixException.NotFound("The push rule was not found.");
}
