using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Push;

namespace Cluster.Shared.Tests.Push;

/// <summary>Which events notify and highlight alice under the default rules and with her own rules.</summary>
public class PushRuleEvaluatorTests
{
    private const string Alice = "@alice:example.org";
    private const string Bob = "@bob:example.org";
    private const string Room = "!room:example.org";

    private static PushRuleSet Rules(IReadOnlyList<PushRule>? userRules = null, Dictionary<(PushRuleKind, string), DefaultRuleChange>? changes = null) =>
        PushRuleSet.Assemble(DefaultPushRules.For(UserId.Parse(Alice)), userRules ?? [], changes ?? []);

    private static PushEvaluation Evaluate(JsonObject @event, int members = 5, long senderLevel = 0, PushRuleSet? rules = null) =>
        PushRuleEvaluator.Evaluate(rules ?? Rules(),
            new PushEventContext(JsonSerializer.SerializeToElement(@event), Alice, "Alice Liddell", members, senderLevel));

    private static JsonObject Message(string body, string sender = Bob, JsonObject? extra = null, string type = "m.room.message")
    {
        var content = new JsonObject { ["msgtype"] = "m.text", ["body"] = body };
        foreach (var (key, value) in extra ?? [])
            content[key] = value?.DeepClone();
        return new JsonObject { ["type"] = type, ["sender"] = sender, ["room_id"] = Room, ["content"] = content };
    }

    [Test]
    public void A_plain_message_in_a_group_notifies_without_highlight()
    {
        var result = Evaluate(Message("hello all"));

        Assert.That(result.MatchedRule?.RuleId, Is.EqualTo(".m.rule.message"));
        Assert.That((result.Notify, result.Highlight), Is.EqualTo((true, false)));
    }

    [Test]
    public void A_message_in_a_one_to_one_room_notifies_with_sound()
    {
        var result = Evaluate(Message("hi"), members: 2);

        Assert.That(result.MatchedRule?.RuleId, Is.EqualTo(".m.rule.room_one_to_one"));
        Assert.That(result.Outcome.Sound, Is.EqualTo("default"));
    }

    [Test]
    public void An_encrypted_event_in_a_group_notifies() =>
        Assert.That(Evaluate(new JsonObject { ["type"] = "m.room.encrypted", ["sender"] = Bob, ["content"] = new JsonObject() }).MatchedRule?.RuleId,
            Is.EqualTo(".m.rule.encrypted"));

    [Test]
    public void A_notice_does_not_notify()
    {
        var result = Evaluate(Message("bot says", extra: new JsonObject { ["msgtype"] = "m.notice" }));

        Assert.That(result.MatchedRule?.RuleId, Is.EqualTo(".m.rule.suppress_notices"));
        Assert.That(result.Notify, Is.False);
    }

    [Test]
    public void The_users_own_events_never_notify() =>
        Assert.That(Evaluate(Message("Alice Liddell talks to herself", sender: Alice)), Is.EqualTo(PushEvaluation.NoMatch));

    [Test]
    public void A_mention_in_m_mentions_highlights()
    {
        var mentions = new JsonObject { ["m.mentions"] = new JsonObject { ["user_ids"] = new JsonArray(Alice) } };

        var result = Evaluate(Message("hey you", extra: mentions));

        Assert.That(result.MatchedRule?.RuleId, Is.EqualTo(".m.rule.is_user_mention"));
        Assert.That(result.Highlight, Is.True);
    }

    [Test]
    public void The_display_name_in_the_body_highlights_when_there_is_no_m_mentions() =>
        Assert.That(Evaluate(Message("thanks Alice Liddell!")).MatchedRule?.RuleId, Is.EqualTo(".m.rule.contains_display_name"));

    [Test]
    public void The_legacy_body_rules_are_skipped_when_the_event_has_m_mentions()
    {
        var noMention = new JsonObject { ["m.mentions"] = new JsonObject() };

        var result = Evaluate(Message("thanks Alice Liddell, alice", extra: noMention));

        Assert.That(result.MatchedRule?.RuleId, Is.EqualTo(".m.rule.message"));
        Assert.That(result.Highlight, Is.False);
    }

    [Test]
    public void The_localpart_in_the_body_highlights_through_the_content_rule() =>
        Assert.That(Evaluate(Message("ping alice?")).MatchedRule?.RuleId, Is.EqualTo(".m.rule.contains_user_name"));

    [Test]
    public void At_room_from_a_moderator_highlights()
    {
        var result = Evaluate(Message("@room meeting now"), senderLevel: 50);

        Assert.That(result.MatchedRule?.RuleId, Is.EqualTo(".m.rule.roomnotif"));
        Assert.That(result.Highlight, Is.True);
    }

    [Test]
    public void At_room_from_someone_without_the_power_does_not_highlight()
    {
        var result = Evaluate(Message("@room meeting now"), senderLevel: 0);

        Assert.That(result.MatchedRule?.RuleId, Is.EqualTo(".m.rule.message"));
        Assert.That(result.Highlight, Is.False);
    }

    [Test]
    public void A_room_mention_in_m_mentions_from_a_moderator_highlights()
    {
        var mentions = new JsonObject { ["m.mentions"] = new JsonObject { ["room"] = true } };

        Assert.That(Evaluate(Message("all", extra: mentions), senderLevel: 100).MatchedRule?.RuleId, Is.EqualTo(".m.rule.is_room_mention"));
    }

    [Test]
    public void An_invite_for_the_user_notifies_and_other_member_events_do_not()
    {
        JsonObject Member(string target, string membership) => new()
        {
            ["type"] = "m.room.member", ["sender"] = Bob, ["state_key"] = target, ["content"] = new JsonObject { ["membership"] = membership },
        };

        Assert.That(Evaluate(Member(Alice, "invite")).Notify, Is.True);
        Assert.That(Evaluate(Member("@carol:example.org", "join")).Notify, Is.False);
    }

    [Test]
    public void A_tombstone_highlights()
    {
        var tombstone = new JsonObject { ["type"] = "m.room.tombstone", ["sender"] = Bob, ["state_key"] = "", ["content"] = new JsonObject() };

        Assert.That(Evaluate(tombstone).Highlight, Is.True);
    }

    [Test]
    public void A_reaction_does_not_notify() =>
        Assert.That(Evaluate(new JsonObject { ["type"] = "m.reaction", ["sender"] = Bob, ["content"] = new JsonObject() }).Notify, Is.False);

    [Test]
    public void An_edit_does_not_notify()
    {
        var edit = new JsonObject { ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.replace", ["event_id"] = "$x" } };

        Assert.That(Evaluate(Message("* fixed typo", extra: edit)).MatchedRule?.RuleId, Is.EqualTo(".m.rule.suppress_edits"));
    }

    [Test]
    public void A_call_invite_rings() =>
        Assert.That(Evaluate(new JsonObject { ["type"] = "m.call.invite", ["sender"] = Bob, ["content"] = new JsonObject() }).Outcome.Sound,
            Is.EqualTo("ring"));

    [Test]
    public void The_master_rule_once_enabled_silences_everything()
    {
        var rules = Rules(changes: new() { [(PushRuleKind.Override, DefaultPushRules.Master)] = new DefaultRuleChange(true, null) });

        var result = Evaluate(Message("thanks Alice Liddell!"), rules: rules);

        Assert.That(result.MatchedRule?.RuleId, Is.EqualTo(DefaultPushRules.Master));
        Assert.That(result.Notify, Is.False);
    }

    [Test]
    public void A_disabled_default_rule_is_skipped()
    {
        var rules = Rules(changes: new() { [(PushRuleKind.Underride, DefaultPushRules.Message)] = new DefaultRuleChange(false, null) });

        Assert.That(Evaluate(Message("hello all"), rules: rules), Is.EqualTo(PushEvaluation.NoMatch));
    }

    [Test]
    public void A_room_rule_of_the_user_outranks_the_default_underrides()
    {
        var mute = new PushRule(PushRuleKind.Room, Room, IsDefault: false, Enabled: true, []);

        var result = Evaluate(Message("hello all"), rules: Rules([mute]));

        Assert.That(result.MatchedRule?.RuleId, Is.EqualTo(Room));
        Assert.That(result.Notify, Is.False);
    }

    [Test]
    public void A_sender_rule_matches_on_the_sender()
    {
        var loud = new PushRule(PushRuleKind.Sender, Bob, IsDefault: false, Enabled: true,
            new JsonArray("notify", new JsonObject { ["set_tweak"] = "highlight" }));

        Assert.That(Evaluate(Message("hello"), rules: Rules([loud])).Highlight, Is.True);
    }

    [Test]
    public void A_user_override_with_an_unknown_condition_never_matches()
    {
        var odd = new PushRule(PushRuleKind.Override, "odd", IsDefault: false, Enabled: true, new JsonArray("notify"),
            [PushCondition.Parse(new JsonObject { ["kind"] = "org.example.unknown" })]);

        Assert.That(Evaluate(Message("hello"), rules: Rules([odd])).MatchedRule?.RuleId, Is.EqualTo(".m.rule.message"));
    }

    [Test]
    public void A_highlight_tweak_with_false_does_not_highlight() =>
        Assert.That(PushActions.Interpret(new JsonArray("notify", new JsonObject { ["set_tweak"] = "highlight", ["value"] = false })).Highlight,
            Is.False);

    [Test]
    public void Historical_actions_are_stripped() =>
        Assert.That(PushActions.Normalise(new JsonArray("dont_notify", "coalesce", "notify")).ToJsonString(), Is.EqualTo("[\"notify\"]"));

    [Test]
    public void An_unknown_action_is_refused() =>
        Assert.Throws<PushRuleFormatException>(() => PushActions.Normalise(new JsonArray("explode")));

    [Test]
    public void A_sound_tweak_without_a_string_value_is_refused() =>
        Assert.Throws<PushRuleFormatException>(() => PushActions.Normalise(new JsonArray(new JsonObject { ["set_tweak"] = "sound", ["value"] = 3 })));
}
