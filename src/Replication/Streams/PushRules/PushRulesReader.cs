using System.Text.Json.Nodes;
using Cluster.Replication.Hosting;
using Cluster.Replication.Streams.Common;
using Cluster.Replication.Tokens;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Push;
using Npgsql;

namespace Cluster.Replication.Streams.PushRules;

/// <summary>
/// What /sync (and the push rules API) needs of push rules: whether a user's rules changed
/// between two tokens, and the user's whole ruleset (the server defaults with the user's rules
/// and changes applied), ready for <see cref="PushRuleEvaluator"/> or to be sent as the
/// m.push_rules account data event.
/// </summary>
public sealed class PushRulesReader(StreamHost<PushRulesRow> stream, NpgsqlDataSource dataSource)
{
    /// <summary>The push_rules field of the next /sync token.</summary>
    public StreamPositionVector Position => stream.Follower.Positions;

    /// <summary>Whether a change to the user's rules lies after <paramref name="from"/> and within <paramref name="to"/>.</summary>
    public async Task<bool> HasChangedAsync(string userId, StreamPositionVector from, StreamPositionVector to, CancellationToken cancellationToken)
    {
        if (to.IsBeforeOrEqual(from))
            return false;
        await using var command = dataSource.CreateCommand();
        command.Parameters.AddWithValue(userId);
        var range = PositionRange.Between(command.Parameters, "t.stream_id", "t.instance_id", from, to);
        command.CommandText = $"SELECT EXISTS (SELECT 1 FROM push_rules_stream t WHERE t.user_id = $1 AND {range})";
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The user's current ruleset.</summary>
    public async Task<PushRuleSet> GetRuleSetAsync(UserId user, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await PushRuleRows.LoadRuleSetAsync(connection, user, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The m.push_rules account data event: <c>{"type": "m.push_rules", "content": {"global": ruleset}}</c>.</summary>
    public static JsonObject PushRulesEvent(PushRuleSet rules) => new()
    {
        ["type"] = "m.push_rules",
        ["content"] = Content(rules),
    };

    /// <summary>The content of m.push_rules, and GET /pushrules/'s answer: <c>{"global": ruleset}</c>.</summary>
    public static JsonObject Content(PushRuleSet rules) => new() { ["global"] = rules.ToJson() };
}

/// <summary>Reads a user's stored rules (push_rules, push_rule_defaults) on a given connection.</summary>
public static class PushRuleRows
{
    public static async Task<PushRuleSet> LoadRuleSetAsync(NpgsqlConnection connection, UserId user, CancellationToken cancellationToken)
    {
        var userRules = await LoadUserRulesAsync(connection, user.ToString(), cancellationToken).ConfigureAwait(false);
        var changes = await LoadDefaultChangesAsync(connection, user.ToString(), cancellationToken).ConfigureAwait(false);
        return PushRuleSet.Assemble(DefaultPushRules.For(user), userRules, changes);
    }

    /// <summary>The user's own rules, per kind highest priority first.</summary>
    public static async Task<List<PushRule>> LoadUserRulesAsync(NpgsqlConnection connection, string userId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT kind, rule_id, conditions::text, pattern, actions::text, enabled FROM push_rules " +
            "WHERE user_id = $1 ORDER BY kind, priority DESC", connection);
        command.Parameters.AddWithValue(userId);
        var rules = new List<PushRule>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!PushRuleKinds.TryParse(reader.GetString(0), out var kind))
                continue;
            // What is stored was checked on the way in, so parsing it again cannot fail.
            var conditions = reader.IsDBNull(2)
                ? null
                : ((JsonArray)JsonNode.Parse(reader.GetString(2))!).Select(PushCondition.Parse).ToList();
            rules.Add(new PushRule(kind, reader.GetString(1), IsDefault: false, reader.GetBoolean(5),
                (JsonArray)JsonNode.Parse(reader.GetString(4))!, conditions, reader.IsDBNull(3) ? null : reader.GetString(3)));
        }
        return rules;
    }

    public static async Task<Dictionary<(PushRuleKind, string), DefaultRuleChange>> LoadDefaultChangesAsync(
        NpgsqlConnection connection, string userId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT kind, rule_id, enabled, actions::text FROM push_rule_defaults WHERE user_id = $1", connection);
        command.Parameters.AddWithValue(userId);
        var changes = new Dictionary<(PushRuleKind, string), DefaultRuleChange>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!PushRuleKinds.TryParse(reader.GetString(0), out var kind))
                continue;
            changes[(kind, reader.GetString(1))] = new DefaultRuleChange(
                reader.IsDBNull(2) ? null : reader.GetBoolean(2),
                reader.IsDBNull(3) ? null : (JsonArray)JsonNode.Parse(reader.GetString(3))!);
        }
        return changes;
    }
}
