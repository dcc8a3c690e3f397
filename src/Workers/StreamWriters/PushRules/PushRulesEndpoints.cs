using System.Text.Json.Nodes;
using Cluster.Replication.Streams.PushRules;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Push;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.PushRules;

/// <summary>The push rules API of spec v1.12 ("Push Rules: API"); only the global scope exists.</summary>
internal static class PushRulesEndpoints
{
    private const string Rule = "pushrules/global/{kind}/{ruleId}";

    /// <summary>Each condition is checked for every event the user may be notified of.</summary>
    private const int MaxConditions = 32;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapGet("pushrules/", async (HttpContext context, PushRulesReader reader) =>
            Results.Json(PushRulesReader.Content(await reader.GetRuleSetAsync(context.Requester().User, context.RequestAborted))))
            .RequireAccessToken();

        app.ClientV3().MapGet("pushrules/global/", async (HttpContext context, PushRulesReader reader) =>
            Results.Json((await reader.GetRuleSetAsync(context.Requester().User, context.RequestAborted)).ToJson()))
            .RequireAccessToken();

        app.ClientV3().MapGet(Rule, async (HttpContext context, string kind, string ruleId, PushRulesReader reader) =>
            Results.Json((await FindAsync(context, kind, ruleId, reader)).ToJson())).RequireAccessToken();

        app.ClientV3().MapGet(Rule + "/enabled", async (HttpContext context, string kind, string ruleId, PushRulesReader reader) =>
            Results.Json(new JsonObject { ["enabled"] = (await FindAsync(context, kind, ruleId, reader)).Enabled }))
            .RequireAccessToken();

        app.ClientV3().MapGet(Rule + "/actions", async (HttpContext context, string kind, string ruleId, PushRulesReader reader) =>
            Results.Json(new JsonObject { ["actions"] = (await FindAsync(context, kind, ruleId, reader)).Actions.DeepClone() }))
            .RequireAccessToken();

        app.ClientV3().MapPut(Rule, async (HttpContext context, string kind, string ruleId, IPushRulesWriter writer) =>
        {
            var parsedKind = Kind(kind);
            var id = RequestIds.Decode(ruleId);
            CheckNewRuleId(parsedKind, id);
            var before = Anchor(context, "before");
            var after = Anchor(context, "after");
            var body = await RequestBody.ReadObjectAsync(context);
            var rule = ParseRule(parsedKind, id, body);
            await writer.PutAsync(context.Requester().User, rule, before, after, context.RequestAborted);
            return Results.Json(new JsonObject());
        }).RequireAccessToken();

        app.ClientV3().MapDelete(Rule, async (HttpContext context, string kind, string ruleId, IPushRulesWriter writer) =>
        {
            var parsedKind = Kind(kind);
            var id = RequestIds.Decode(ruleId);
            if (PushRule.IsServerDefaultId(id))
                throw MatrixException.InvalidParam("Server-default rules cannot be deleted; disable them instead.");
            await writer.DeleteAsync(context.Requester().User, parsedKind, id, context.RequestAborted);
            return Results.Json(new JsonObject());
        }).RequireAccessToken();

        app.ClientV3().MapPut(Rule + "/enabled", async (HttpContext context, string kind, string ruleId, IPushRulesWriter writer) =>
        {
            var parsedKind = Kind(kind);
            var body = await RequestBody.ReadObjectAsync(context);
            var enabled = body.RequiredBool("enabled");
            await writer.SetEnabledAsync(context.Requester().User, parsedKind, RequestIds.Decode(ruleId), enabled, context.RequestAborted);
            return Results.Json(new JsonObject());
        }).RequireAccessToken();

        app.ClientV3().MapPut(Rule + "/actions", async (HttpContext context, string kind, string ruleId, IPushRulesWriter writer) =>
        {
            var parsedKind = Kind(kind);
            var body = await RequestBody.ReadObjectAsync(context);
            if (!body.ContainsKey("actions"))
                throw MatrixException.BadJson("'actions' is required.");
            var actions = Checked(() => PushActions.Normalise(body["actions"]));
            await writer.SetActionsAsync(context.Requester().User, parsedKind, RequestIds.Decode(ruleId), actions, context.RequestAborted);
            return Results.Json(new JsonObject());
        }).RequireAccessToken();
    }

    private static async Task<PushRule> FindAsync(HttpContext context, string kind, string ruleId, PushRulesReader reader)
    {
        var parsedKind = Kind(kind);
        var rules = await reader.GetRuleSetAsync(context.Requester().User, context.RequestAborted);
        return rules.Find(parsedKind, RequestIds.Decode(ruleId)) ?? throw MatrixException.NotFound("The push rule was not found.");
    }

    private static PushRuleKind Kind(string kind) =>
        PushRuleKinds.TryParse(kind, out var parsed)
            ? parsed
            : throw MatrixException.InvalidParam($"Unknown push rule kind '{kind}'.");

    /// <summary>The spec's rules for a rule ID a client creates; room and sender rules are named by what they match.</summary>
    private static void CheckNewRuleId(PushRuleKind kind, string ruleId)
    {
        if (PushRule.IsServerDefaultId(ruleId))
            throw MatrixException.InvalidParam("Rule IDs starting with '.' are reserved for server-default rules.");
        if (ruleId.Contains('/') || ruleId.Contains('\\'))
            throw MatrixException.InvalidParam("Rule IDs may not contain slashes or backslashes.");
        if (ruleId.Length > RequestIds.MaxOpaqueLength)
            throw MatrixException.InvalidParam($"Rule IDs are limited to {RequestIds.MaxOpaqueLength} characters.");
        if (kind == PushRuleKind.Room && !RoomId.TryParse(ruleId, out _))
            throw MatrixException.InvalidParam("A room rule's ID must be the room ID.");
        if (kind == PushRuleKind.Sender && !UserId.TryParse(ruleId, out _))
            throw MatrixException.InvalidParam("A sender rule's ID must be the user ID.");
    }

    /// <summary>A before/after query parameter: a user-defined rule, never a predefined one.</summary>
    private static string? Anchor(HttpContext context, string name)
    {
        if (!context.Request.Query.TryGetValue(name, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
            return null;
        var anchor = values[0]!;
        if (PushRule.IsServerDefaultId(anchor))
            throw MatrixException.InvalidParam($"Rules cannot be placed relative to the server-default rule {anchor}.");
        return anchor;
    }

    private static NewPushRule ParseRule(PushRuleKind kind, string ruleId, JsonObject body) => Checked(() =>
    {
        if (!body.ContainsKey("actions"))
            throw new PushRuleFormatException("'actions' is required.");
        var actions = PushActions.Normalise(body["actions"]);
        IReadOnlyList<PushCondition>? conditions = null;
        string? pattern = null;
        if (kind.HasConditions())
        {
            conditions = body["conditions"] switch
            {
                null => [],
                JsonArray { Count: > MaxConditions } => throw new PushRuleFormatException($"A rule may have at most {MaxConditions} conditions."),
                JsonArray array => [.. array.Select(PushCondition.Parse)],
                _ => throw new PushRuleFormatException("'conditions' must be an array."),
            };
        }
        else if (kind == PushRuleKind.Content)
        {
            pattern = body["pattern"] is JsonValue value && value.TryGetValue<string>(out var p)
                ? p
                : throw new PushRuleFormatException("A content rule needs a 'pattern' string.");
            if (pattern.Length > PushCondition.MaxParameterLength)
                throw new PushRuleFormatException($"The pattern is longer than {PushCondition.MaxParameterLength} characters.");
        }
        return new NewPushRule(kind, ruleId, actions, conditions, pattern);
    });

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
