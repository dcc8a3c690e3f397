using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Replication.Streams.PushRules;
using Cluster.Shared.Identifiers;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.PushRules;

/// <summary>The push rules API (GET/PUT/DELETE rules, enabled, actions) and what /sync reads of it.</summary>
public class PushRulesApiTests : HomeserverFixture
{
    private const string Base = "/_matrix/client/v3/pushrules/global";

    // Observes the single process's memory: tests that read it are skipped against a cluster.
    private PushRulesReader Reader => Server.Services.GetRequiredService<PushRulesReader>();

    protected override async Task OnStartedAsync()
    {
    }

    /// <summary>A fresh user per test: rules are per user and the tests change them.</summary>
    private Task<TestUser> UserAsync() => Server.RegisterUserAsync();

    private static string RulePath(string kind, string ruleId, string? suffix = null, string? query = null) =>
        $"{Base}/{kind}/{Uri.EscapeDataString(ruleId)}{(suffix is null ? "" : "/" + suffix)}{(query is null ? "" : "?" + query)}";

    private static async Task<List<string>> RuleIdsAsync(TestUser user, string kind) =>
        (await user.Client.GetAsync($"{Base}/")).Ok()[kind]!.AsArray().Select(r => r!["rule_id"]!.GetValue<string>()).ToList();

    private static JsonObject Actions(params string[] actions) => new() { ["actions"] = new JsonArray([.. actions.Select(a => (JsonNode)a)]) };

    [Test]
    public async Task A_new_user_has_the_default_rules()
    {
        var user = await UserAsync();

        var all = (await user.Client.GetAsync("/_matrix/client/v3/pushrules/")).Ok();

        var global = all["global"]!.AsObject();
        Assert.That(global["override"]!.AsArray().Count, Is.EqualTo(12));
        Assert.That(global["content"]![0]!["pattern"]!.GetValue<string>(), Is.EqualTo(UserId.Parse(user.UserId).Localpart));
        Assert.That(global["underride"]!.AsArray().Count, Is.EqualTo(5));
        Assert.That(global["room"]!.AsArray(), Is.Empty);
    }

    [TestCase("/_matrix/client/v3/pushrules")]
    [TestCase("/_matrix/client/v3/pushrules/global")]
    [TestCase("/_matrix/client/r0/pushrules/global/")]
    public async Task The_ruleset_is_served_with_or_without_the_trailing_slash(string path)
    {
        var user = await UserAsync();

        var response = (await user.Client.GetAsync(path)).Ok();

        Assert.That(response.ContainsKey("global") || response.ContainsKey("override"), Is.True);
    }

    [Test]
    public async Task A_rule_that_was_put_reads_back_enabled_and_not_default()
    {
        var user = await UserAsync();
        (await user.Client.PutAsync(RulePath("content", "cake"), new JsonObject
        {
            ["pattern"] = "cake*lie",
            ["actions"] = new JsonArray("notify", new JsonObject { ["set_tweak"] = "sound", ["value"] = "cakealarm.wav" }),
        })).Ok();

        var rule = (await user.Client.GetAsync(RulePath("content", "cake"))).Ok();

        Assert.That(rule["rule_id"]!.GetValue<string>(), Is.EqualTo("cake"));
        Assert.That(rule["pattern"]!.GetValue<string>(), Is.EqualTo("cake*lie"));
        Assert.That(rule["enabled"]!.GetValue<bool>(), Is.True);
        Assert.That(rule["default"]!.GetValue<bool>(), Is.False);
        Assert.That(rule["actions"]![1]!["value"]!.GetValue<string>(), Is.EqualTo("cakealarm.wav"));
    }

    [Test]
    public async Task User_rules_come_before_the_defaults_of_their_kind_and_after_master()
    {
        var user = await UserAsync();
        (await user.Client.PutAsync(RulePath("override", "mine"), new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject { ["kind"] = "event_match", ["key"] = "content.body", ["pattern"] = "beer" }),
            ["actions"] = new JsonArray("notify"),
        })).Ok();

        var ids = await RuleIdsAsync(user, "override");

        Assert.That(ids.Take(3), Is.EqualTo(new[] { ".m.rule.master", "mine", ".m.rule.suppress_notices" }));
    }

    [Test]
    public async Task New_rules_go_first_and_before_and_after_place_them()
    {
        var user = await UserAsync();
        var room1 = $"!one:{Server.ServerName}";
        var room2 = $"!two:{Server.ServerName}";
        var room3 = $"!three:{Server.ServerName}";
        var room4 = $"!four:{Server.ServerName}";
        (await user.Client.PutAsync(RulePath("room", room1), Actions())).Ok();
        (await user.Client.PutAsync(RulePath("room", room2), Actions())).Ok();
        (await user.Client.PutAsync(RulePath("room", room3, query: "after=" + Uri.EscapeDataString(room1)), Actions())).Ok();
        (await user.Client.PutAsync(RulePath("room", room4, query: "before=" + Uri.EscapeDataString(room2)), Actions())).Ok();

        Assert.That(await RuleIdsAsync(user, "room"), Is.EqualTo(new[] { room4, room2, room1, room3 }));
    }

    [Test]
    public async Task Replacing_a_rule_keeps_its_place_and_its_enabled_flag()
    {
        var user = await UserAsync();
        (await user.Client.PutAsync(RulePath("content", "a"), new JsonObject { ["pattern"] = "a", ["actions"] = new JsonArray() })).Ok();
        (await user.Client.PutAsync(RulePath("content", "b"), new JsonObject { ["pattern"] = "b", ["actions"] = new JsonArray() })).Ok();
        (await user.Client.PutAsync(RulePath("content", "a", "enabled"), new JsonObject { ["enabled"] = false })).Ok();

        (await user.Client.PutAsync(RulePath("content", "a"), new JsonObject { ["pattern"] = "aa", ["actions"] = new JsonArray("notify") })).Ok();

        Assert.That((await RuleIdsAsync(user, "content")).Take(2), Is.EqualTo(new[] { "b", "a" }));
        var rule = (await user.Client.GetAsync(RulePath("content", "a"))).Ok();
        Assert.That((rule["pattern"]!.GetValue<string>(), rule["enabled"]!.GetValue<bool>()), Is.EqualTo(("aa", false)));
    }

    [Test]
    public async Task A_deleted_rule_is_gone()
    {
        var user = await UserAsync();
        (await user.Client.PutAsync(RulePath("sender", "@spambot:example.org"), Actions())).Ok();

        (await user.Client.DeleteAsync(RulePath("sender", "@spambot:example.org"))).Ok();

        var response = await user.Client.GetAsync(RulePath("sender", "@spambot:example.org"));
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task A_default_rule_can_be_enabled_and_given_new_actions()
    {
        var user = await UserAsync();

        (await user.Client.PutAsync(RulePath("override", ".m.rule.master", "enabled"), new JsonObject { ["enabled"] = true })).Ok();
        (await user.Client.PutAsync(RulePath("underride", ".m.rule.message", "actions"), Actions())).Ok();

        Assert.That((await user.Client.GetAsync(RulePath("override", ".m.rule.master", "enabled"))).Ok()["enabled"]!.GetValue<bool>(), Is.True);
        Assert.That((await user.Client.GetAsync(RulePath("underride", ".m.rule.message", "actions"))).Ok()["actions"]!.AsArray(), Is.Empty);
        var master = (await user.Client.GetAsync(RulePath("override", ".m.rule.master"))).Ok();
        Assert.That(master["default"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task Changes_to_one_users_rules_leave_another_users_alone()
    {
        var alice = await UserAsync();
        var bob = await UserAsync();

        (await alice.Client.PutAsync(RulePath("override", ".m.rule.master", "enabled"), new JsonObject { ["enabled"] = true })).Ok();

        Assert.That((await bob.Client.GetAsync(RulePath("override", ".m.rule.master", "enabled"))).Ok()["enabled"]!.GetValue<bool>(), Is.False);
    }

    [Test]
    public async Task A_change_is_seen_by_the_reader_between_two_positions()
    {
        var user = await UserAsync();
        var before = Reader.Position;

        (await user.Client.PutAsync(RulePath("override", ".m.rule.master", "enabled"), new JsonObject { ["enabled"] = true })).Ok();

        Assert.That(await Reader.HasChangedAsync(user.UserId, before, Reader.Position, CancellationToken.None), Is.True);
        Assert.That(await Reader.HasChangedAsync(user.UserId, Reader.Position, Reader.Position, CancellationToken.None), Is.False);
        var other = await UserAsync();
        Assert.That(await Reader.HasChangedAsync(other.UserId, before, Reader.Position, CancellationToken.None), Is.False);
        var rules = await Reader.GetRuleSetAsync(UserId.Parse(user.UserId), CancellationToken.None);
        Assert.That(PushRulesReader.PushRulesEvent(rules)["content"]!["global"]!["override"]![0]!["enabled"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task Historical_actions_are_stripped_when_stored()
    {
        var user = await UserAsync();

        (await user.Client.PutAsync(RulePath("room", $"!quiet:{Server.ServerName}"), Actions("dont_notify"))).Ok();

        Assert.That((await user.Client.GetAsync(RulePath("room", $"!quiet:{Server.ServerName}", "actions"))).Ok()["actions"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task Adding_a_rule_with_a_server_default_ID_is_400()
    {
        var user = await UserAsync();

        var response = await user.Client.PutAsync(RulePath("override", ".m.rule.mine"), Actions("notify"));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await RuleIdsAsync(user, "override"), Does.Not.Contain(".m.rule.mine"));
    }

    [Test]
    public async Task Replacing_a_server_default_rule_is_400()
    {
        var user = await UserAsync();

        var response = await user.Client.PutAsync(RulePath("override", ".m.rule.master"), Actions("notify"));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Deleting_a_server_default_rule_is_400_and_keeps_it()
    {
        var user = await UserAsync();

        var response = await user.Client.DeleteAsync(RulePath("underride", ".m.rule.message"));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await RuleIdsAsync(user, "underride"), Does.Contain(".m.rule.message"));
    }

    [Test]
    public async Task Deleting_a_missing_rule_is_404_M_NOT_FOUND()
    {
        var user = await UserAsync();

        var response = await user.Client.DeleteAsync(RulePath("content", "never"));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task Enabling_a_missing_rule_is_404_M_NOT_FOUND()
    {
        var user = await UserAsync();

        var missingUser = await user.Client.PutAsync(RulePath("content", "never", "enabled"), new JsonObject { ["enabled"] = true });
        var missingDefault = await user.Client.PutAsync(RulePath("content", ".m.rule.master", "enabled"), new JsonObject { ["enabled"] = true });

        Assert.That(missingUser.ErrCode, Is.EqualTo("M_NOT_FOUND"));
        Assert.That(missingDefault.ErrCode, Is.EqualTo("M_NOT_FOUND"), "master is an override rule, not a content rule");
    }

    [Test]
    public async Task Placing_relative_to_a_missing_rule_is_400_and_adds_nothing()
    {
        var user = await UserAsync();

        var response = await user.Client.PutAsync(RulePath("content", "x", query: "before=nope"), new JsonObject { ["pattern"] = "x", ["actions"] = new JsonArray() });

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await RuleIdsAsync(user, "content"), Does.Not.Contain("x"));
    }

    [Test]
    public async Task Placing_relative_to_a_default_rule_is_400()
    {
        var user = await UserAsync();

        var response = await user.Client.PutAsync(RulePath("underride", "x", query: "after=.m.rule.message"), Actions());

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task A_content_rule_without_a_pattern_is_400_M_BAD_JSON()
    {
        var user = await UserAsync();

        var response = await user.Client.PutAsync(RulePath("content", "nopattern"), Actions("notify"));

        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task A_rule_without_actions_is_400_M_BAD_JSON()
    {
        var user = await UserAsync();

        var response = await user.Client.PutAsync(RulePath("content", "noactions"), new JsonObject { ["pattern"] = "x" });

        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Conditions_of_the_wrong_shape_are_400_M_BAD_JSON()
    {
        var user = await UserAsync();

        var notArray = await user.Client.PutAsync(RulePath("override", "bad1"), new JsonObject { ["conditions"] = "x", ["actions"] = new JsonArray() });
        var noKind = await user.Client.PutAsync(RulePath("override", "bad2"),
            new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["key"] = "type" }), ["actions"] = new JsonArray() });

        Assert.That(notArray.ErrCode, Is.EqualTo("M_BAD_JSON"));
        Assert.That(noKind.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task A_room_rule_whose_ID_is_not_a_room_ID_is_400_M_INVALID_PARAM()
    {
        var user = await UserAsync();

        var response = await user.Client.PutAsync(RulePath("room", "not-a-room"), Actions());

        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task A_rule_ID_with_a_slash_is_400_M_INVALID_PARAM()
    {
        var user = await UserAsync();

        var response = await user.Client.PutAsync(RulePath("override", "a/b"), Actions());

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task An_unknown_kind_is_400_M_INVALID_PARAM()
    {
        var user = await UserAsync();

        var response = await user.Client.GetAsync(RulePath("sideways", "x"));

        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task Setting_enabled_to_a_string_is_400_M_BAD_JSON()
    {
        var user = await UserAsync();

        var response = await user.Client.PutAsync(RulePath("override", ".m.rule.master", "enabled"), new JsonObject { ["enabled"] = "yes" });

        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task An_unknown_action_is_400_M_BAD_JSON()
    {
        var user = await UserAsync();

        var response = await user.Client.PutAsync(RulePath("underride", ".m.rule.message", "actions"), Actions("explode"));

        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task An_overlong_pattern_is_400_M_BAD_JSON()
    {
        var user = await UserAsync();

        var response = await user.Client.PutAsync(RulePath("content", "long"),
            new JsonObject { ["pattern"] = new string('*', 5000), ["actions"] = new JsonArray("notify") });

        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Too_many_conditions_are_400_M_BAD_JSON()
    {
        var user = await UserAsync();
        var conditions = new JsonArray([.. Enumerable.Range(0, 100).Select(_ => (JsonNode)new JsonObject { ["kind"] = "contains_display_name" })]);

        var response = await user.Client.PutAsync(RulePath("override", "many"), new JsonObject { ["conditions"] = conditions, ["actions"] = new JsonArray() });

        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Push_rules_need_an_access_token()
    {
        using var anonymous = Server.NewClient();

        var response = await anonymous.GetAsync($"{Base}/");

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
