using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Push;

namespace Cluster.Shared.Tests.Push;

/// <summary>The conditions of spec v1.12 "Conditions", with the spec's own examples.</summary>
public class PushConditionTests
{
    private static PushEventContext Context(string eventJson, int members = 5, long senderLevel = 0,
        string? displayName = null, Dictionary<string, long>? notifications = null) =>
        new(JsonElement.Parse(eventJson), "@me:example.org", displayName, members, senderLevel, notifications);

    private static bool Holds(JsonObject condition, string eventJson, int members = 5, long senderLevel = 0, string? displayName = null) =>
        PushRuleEvaluator.ConditionHolds(PushCondition.Parse(condition), Context(eventJson, members, senderLevel, displayName));

    private static string Topic(string? topic) =>
        new JsonObject { ["type"] = "m.room.topic", ["state_key"] = "", ["content"] = new JsonObject { ["topic"] = topic } }.ToJsonString();

    private static string Body(string body) =>
        new JsonObject { ["type"] = "m.room.message", ["content"] = new JsonObject { ["body"] = body } }.ToJsonString();

    private static JsonObject Match(string key, string pattern) => new() { ["kind"] = "event_match", ["key"] = key, ["pattern"] = pattern };

    [TestCase("Lunch plans")]
    [TestCase("LUNCH")]
    public void Event_match_is_a_case_insensitive_glob_over_the_whole_value(string topic) =>
        Assert.That(Holds(Match("content.topic", "lunc?*"), Topic(topic)), Is.True);

    [TestCase(" lunch")]
    [TestCase("lunc")]
    public void Event_match_does_not_match_the_spec_counter_examples(string topic) =>
        Assert.That(Holds(Match("content.topic", "lunc?*"), Topic(topic)), Is.False);

    [Test]
    public void Event_match_on_a_value_that_is_not_a_string_does_not_match_even_with_a_star()
    {
        Assert.That(Holds(Match("content.topic", "*"), Topic(null)), Is.False);
        Assert.That(Holds(Match("content.missing", "*"), Topic("x")), Is.False);
    }

    [TestCase("An example event.")]
    [TestCase("exple")]
    [TestCase("An exciting triple-whammy")]
    public void Event_match_on_the_body_matches_words_anywhere(string body) =>
        Assert.That(Holds(Match("content.body", "ex*ple"), Body(body)), Is.True);

    [TestCase("examples")]
    [TestCase("reexple")]
    public void Event_match_on_the_body_needs_word_boundaries(string body) =>
        Assert.That(Holds(Match("content.body", "ex*ple"), Body(body)), Is.False);

    private const string CreateEvent = """
        {"type": "m.room.create", "state_key": "", "content": {"creator": "@example:example.org", "m.federate": true, "room_version": "1"}}
        """;

    [Test]
    public void Event_property_is_matches_an_exact_value() =>
        Assert.That(Holds(new JsonObject { ["kind"] = "event_property_is", ["key"] = @"content.m\.federate", ["value"] = true }, CreateEvent), Is.True);

    [Test]
    public void Event_property_is_does_not_cast_types()
    {
        Assert.That(Holds(new JsonObject { ["kind"] = "event_property_is", ["key"] = @"content.m\.federate", ["value"] = "true" }, CreateEvent), Is.False);
        Assert.That(Holds(new JsonObject { ["kind"] = "event_property_is", ["key"] = @"content.m\.federate", ["value"] = 1 }, CreateEvent), Is.False);
    }

    [Test]
    public void Event_property_is_matches_null()
    {
        var condition = new JsonObject { ["kind"] = "event_property_is", ["key"] = "content.reason", ["value"] = null };
        Assert.That(Holds(condition, """{"type": "x", "content": {"reason": null}}"""), Is.True);
        Assert.That(Holds(condition, """{"type": "x", "content": {}}"""), Is.False);
    }

    private const string AliasEvent = """
        {"type": "m.room.canonical_alias", "state_key": "", "content": {"alias": "#somewhere:localhost", "alt_aliases": ["#somewhere:example.org", "#myroom:example.com"]}}
        """;

    [Test]
    public void Event_property_contains_finds_a_value_in_an_array() =>
        Assert.That(Holds(new JsonObject { ["kind"] = "event_property_contains", ["key"] = "content.alt_aliases", ["value"] = "#myroom:example.com" }, AliasEvent), Is.True);

    [Test]
    public void Event_property_contains_does_not_match_partial_values() =>
        Assert.That(Holds(new JsonObject { ["kind"] = "event_property_contains", ["key"] = "content.alt_aliases", ["value"] = ":example.com" }, AliasEvent), Is.False);

    [Test]
    public void Event_property_contains_on_a_non_array_does_not_match() =>
        Assert.That(Holds(new JsonObject { ["kind"] = "event_property_contains", ["key"] = "content.alias", ["value"] = "#somewhere:localhost" }, AliasEvent), Is.False);

    [TestCase("2", 2, true)]
    [TestCase("==2", 2, true)]
    [TestCase("2", 3, false)]
    [TestCase("<3", 2, true)]
    [TestCase("<3", 3, false)]
    [TestCase(">1", 2, true)]
    [TestCase(">2", 2, false)]
    [TestCase("<=2", 2, true)]
    [TestCase("<=2", 3, false)]
    [TestCase(">=10", 10, true)]
    [TestCase(">=10", 9, false)]
    [TestCase("abc", 2, false)]
    [TestCase("<", 2, false)]
    [TestCase("=2", 2, false)]
    [TestCase("-1", 2, false)]
    [TestCase("2.0", 2, false)]
    public void Room_member_count_compares_as_the_spec_says(string @is, int members, bool expected) =>
        Assert.That(PushRuleEvaluator.MemberCountMatches(@is, members), Is.EqualTo(expected));

    [Test]
    public void Sender_notification_permission_defaults_to_50_for_room()
    {
        var condition = new JsonObject { ["kind"] = "sender_notification_permission", ["key"] = "room" };
        Assert.That(Holds(condition, Body("@room"), senderLevel: 50), Is.True);
        Assert.That(Holds(condition, Body("@room"), senderLevel: 49), Is.False);
    }

    [Test]
    public void Sender_notification_permission_reads_the_power_levels_notifications()
    {
        var levels = PushEventContext.NotificationLevelsFrom(JsonElement.Parse("""{"notifications": {"room": 10}}"""));
        var context = Context(Body("@room"), senderLevel: 10, notifications: new Dictionary<string, long>(levels));
        var condition = PushCondition.Parse(new JsonObject { ["kind"] = "sender_notification_permission", ["key"] = "room" });

        Assert.That(PushRuleEvaluator.ConditionHolds(condition, context), Is.True);
    }

    [Test]
    public void Contains_display_name_matches_the_name_as_a_word_case_insensitively()
    {
        var condition = new JsonObject { ["kind"] = "contains_display_name" };
        Assert.That(Holds(condition, Body("hey ALICE smith, look"), displayName: "Alice Smith"), Is.True);
        Assert.That(Holds(condition, Body("malice smithers"), displayName: "Alice Smith"), Is.False);
        Assert.That(Holds(condition, Body("anything"), displayName: ""), Is.False);
    }

    [Test]
    public void A_display_name_with_glob_characters_is_matched_literally()
    {
        var condition = new JsonObject { ["kind"] = "contains_display_name" };
        Assert.That(Holds(condition, Body("hello bob"), displayName: "*"), Is.False);
        Assert.That(Holds(condition, Body("hello *"), displayName: "*"), Is.True);
    }

    [Test]
    public void An_unknown_condition_kind_never_matches() =>
        Assert.That(Holds(new JsonObject { ["kind"] = "org.example.future" }, Body("x")), Is.False);

    [Test]
    public void A_condition_without_kind_is_refused() =>
        Assert.Throws<PushRuleFormatException>(() => PushCondition.Parse(new JsonObject { ["key"] = "type" }));

    [Test]
    public void An_event_match_without_pattern_is_refused() =>
        Assert.Throws<PushRuleFormatException>(() => PushCondition.Parse(new JsonObject { ["kind"] = "event_match", ["key"] = "type" }));

    [Test]
    public void A_compound_value_is_refused() =>
        Assert.Throws<PushRuleFormatException>(() => PushCondition.Parse(
            new JsonObject { ["kind"] = "event_property_is", ["key"] = "content.x", ["value"] = new JsonArray() }));
}
