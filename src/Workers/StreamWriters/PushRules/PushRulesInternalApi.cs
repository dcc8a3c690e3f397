using System.Text.Json.Nodes;
using Cluster.Replication.Streams.PushRules;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Push;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.PushRules;

/// <summary>Push rule changes sent to the push rules stream's writer instance.</summary>
public sealed class RemotePushRulesWriter(RemoteStreamWriter writer) : IPushRulesWriter
{
    public Task PutAsync(UserId user, NewPushRule rule, string? before, string? after, CancellationToken cancellationToken)
    {
        var request = Rule(user, rule.Kind, rule.RuleId);
        request[PushRulesInternalEndpoints.Actions] = rule.Actions.DeepClone();
        if (rule.Conditions is { } conditions)
            request[PushRulesInternalEndpoints.Conditions] = new JsonArray([.. conditions.Select(c => (JsonNode)c.Json.DeepClone())]);
        if (rule.Pattern is { } pattern)
            request[PushRulesInternalEndpoints.Pattern] = pattern;
        if (before is not null)
            request[PushRulesInternalEndpoints.Before] = before;
        if (after is not null)
            request[PushRulesInternalEndpoints.After] = after;
        return writer.WriteAsync(PushRulesInternalEndpoints.Put, request, cancellationToken);
    }

    public Task DeleteAsync(UserId user, PushRuleKind kind, string ruleId, CancellationToken cancellationToken) =>
        writer.WriteAsync(PushRulesInternalEndpoints.Delete, Rule(user, kind, ruleId), cancellationToken);

    public Task SetEnabledAsync(UserId user, PushRuleKind kind, string ruleId, bool enabled, CancellationToken cancellationToken)
    {
        var request = Rule(user, kind, ruleId);
        request[PushRulesInternalEndpoints.Enabled] = enabled;
        return writer.WriteAsync(PushRulesInternalEndpoints.SetEnabled, request, cancellationToken);
    }

    public Task SetActionsAsync(UserId user, PushRuleKind kind, string ruleId, JsonArray actions, CancellationToken cancellationToken)
    {
        var request = Rule(user, kind, ruleId);
        request[PushRulesInternalEndpoints.Actions] = actions.DeepClone();
        return writer.WriteAsync(PushRulesInternalEndpoints.SetActions, request, cancellationToken);
    }

    private static JsonObject Rule(UserId user, PushRuleKind kind, string ruleId) => new()
    {
        [PushRulesInternalEndpoints.UserId] = user.ToString(),
        [PushRulesInternalEndpoints.Kind] = kind.Name(),
        [PushRulesInternalEndpoints.RuleId] = ruleId,
    };
}

/// <summary>
/// The push rules writer's internal endpoints, which <see cref="RemotePushRulesWriter"/> calls
/// with a rule the public endpoint has already checked; it is parsed again here all the same, so
/// nothing malformed reaches the tables.
/// </summary>
internal static class PushRulesInternalEndpoints
{
    public const string Put = "put";
    public const string Delete = "delete";
    public const string SetEnabled = "enabled";
    public const string SetActions = "actions";
    public const string UserId = "user_id";
    public const string Kind = "kind";
    public const string RuleId = "rule_id";
    public const string Actions = "actions";
    public const string Conditions = "conditions";
    public const string Pattern = "pattern";
    public const string Before = "before";
    public const string After = "after";
    public const string Enabled = "enabled";

    public static void Map(IEndpointRouteBuilder app)
    {
        var writes = app.MapInternalStreamWrites(PushRulesStream.StreamName);
        writes.MapPost(Put, async (HttpContext context, PushRulesWriter writer) =>
        {
            var (body, user, kind, ruleId) = await ReadAsync(context);
            var rule = Checked(() => new NewPushRule(
                kind, ruleId, PushActions.Normalise(body[Actions]),
                body.OptionalArray(Conditions) is { } conditions ? [.. conditions.Select(PushCondition.Parse)] : null,
                body.OptionalString(Pattern)));
            return InternalStreamWrites.Reply(await writer.PutAsync(
                user, rule, body.OptionalString(Before), body.OptionalString(After), context.RequestAborted));
        });
        writes.MapPost(Delete, async (HttpContext context, PushRulesWriter writer) =>
        {
            var (_, user, kind, ruleId) = await ReadAsync(context);
            return InternalStreamWrites.Reply(await writer.DeleteAsync(user, kind, ruleId, context.RequestAborted));
        });
        writes.MapPost(SetEnabled, async (HttpContext context, PushRulesWriter writer) =>
        {
            var (body, user, kind, ruleId) = await ReadAsync(context);
            return InternalStreamWrites.Reply(await writer.SetEnabledAsync(
                user, kind, ruleId, body.RequiredBool(Enabled), context.RequestAborted));
        });
        writes.MapPost(SetActions, async (HttpContext context, PushRulesWriter writer) =>
        {
            var (body, user, kind, ruleId) = await ReadAsync(context);
            var actions = Checked(() => PushActions.Normalise(body[Actions]));
            return InternalStreamWrites.Reply(await writer.SetActionsAsync(user, kind, ruleId, actions, context.RequestAborted));
        });
    }

    private static async Task<(JsonObject Body, Shared.Identifiers.UserId User, PushRuleKind Kind, string RuleId)> ReadAsync(HttpContext context)
    {
        var body = await RequestBody.ReadObjectAsync(context);
        var user = Shared.Identifiers.UserId.TryParse(body.RequiredString(UserId), out var parsed)
            ? parsed
            : throw MatrixException.BadJson($"'{UserId}' must be a user ID.");
        var kind = PushRuleKinds.TryParse(body.RequiredString(Kind), out var parsedKind)
            ? parsedKind
            : throw MatrixException.BadJson($"'{Kind}' must be a push rule kind.");
        return (body, user, kind, body.RequiredString(RuleId));
    }

    private static T Checked<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (PushRuleFormatException e)
        {
            throw MatrixException.BadJson(e.Message);
        }
    }
}
