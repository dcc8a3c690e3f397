using Cluster.Shared.Identifiers;
using Cluster.Shared.Push;

namespace Cluster.Shared.Tests.Push;

/// <summary>The server-default rules of spec v1.12, in the spec's order.</summary>
public class DefaultPushRulesTests
{
    private static readonly PushRuleSet Rules = PushRuleSet.Assemble(
        DefaultPushRules.For(UserId.Parse("@alice:example.org")), [], new Dictionary<(PushRuleKind, string), DefaultRuleChange>());

    [Test]
    public void Override_rules_come_in_the_spec_order() =>
        Assert.That(Rules[PushRuleKind.Override].Select(r => r.RuleId), Is.EqualTo(new[]
        {
            ".m.rule.master", ".m.rule.suppress_notices", ".m.rule.invite_for_me", ".m.rule.member_event",
            ".m.rule.is_user_mention", ".m.rule.contains_display_name", ".m.rule.is_room_mention", ".m.rule.roomnotif",
            ".m.rule.tombstone", ".m.rule.reaction", ".m.rule.room.server_acl", ".m.rule.suppress_edits",
        }));

    [Test]
    public void Content_rules_are_the_user_name_rule_with_the_localpart() =>
        Assert.That(Rules[PushRuleKind.Content].Select(r => (r.RuleId, r.Pattern)),
            Is.EqualTo(new[] { (".m.rule.contains_user_name", (string?)"alice") }));

    [Test]
    public void Underride_rules_come_in_the_spec_order() =>
        Assert.That(Rules[PushRuleKind.Underride].Select(r => r.RuleId), Is.EqualTo(new[]
        {
            ".m.rule.call", ".m.rule.encrypted_room_one_to_one", ".m.rule.room_one_to_one", ".m.rule.message", ".m.rule.encrypted",
        }));

    [Test]
    public void Only_the_master_rule_starts_disabled() =>
        Assert.That(Rules.InEvaluationOrder.Where(r => !r.Enabled).Select(r => r.RuleId), Is.EqualTo(new[] { ".m.rule.master" }));

    [Test]
    public void Every_default_rule_is_marked_default_and_starts_with_a_dot() =>
        Assert.That(Rules.InEvaluationOrder.All(r => r.IsDefault && r.RuleId.StartsWith('.')), Is.True);

    [Test]
    public void The_invite_rule_names_the_user() =>
        Assert.That(Rules.Find(PushRuleKind.Override, ".m.rule.invite_for_me")!.ToJson().ToJsonString(), Does.Contain("\"@alice:example.org\""));

    [Test]
    public void The_json_form_has_the_spec_fields()
    {
        var json = Rules.ToJson();

        Assert.That(json.Select(p => p.Key), Is.EquivalentTo(new[] { "override", "content", "room", "sender", "underride" }));
        var master = json["override"]![0]!.AsObject();
        Assert.That(master.Select(p => p.Key), Is.EquivalentTo(new[] { "rule_id", "default", "enabled", "actions", "conditions" }));
        var content = json["content"]![0]!.AsObject();
        Assert.That(content["pattern"]!.GetValue<string>(), Is.EqualTo("alice"));
        Assert.That(content.ContainsKey("conditions"), Is.False);
    }
}
