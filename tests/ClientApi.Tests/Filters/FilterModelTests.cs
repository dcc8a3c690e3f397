using System.Text.Json.Nodes;
using Cluster.Workers.ClientReader.Filters;

namespace Cluster.ClientApi.Tests.Filters;

/// <summary>The Filter model's matching, without a server.</summary>
public class FilterModelTests
{
    private static Filter Parse(string json) => FilterParser.Parse(JsonNode.Parse(json)!.AsObject());

    [TestCase("m.room.*", "m.room.message", true)]
    [TestCase("m.room.*", "m.room", false)]
    [TestCase("*", "anything", true)]
    [TestCase("m.*.member", "m.room.member", true)]
    [TestCase("M.room.message", "m.room.message", false)]
    [TestCase("m.room.message", "m.room.message", true)]
    [TestCase("a*b*c", "aXbYbZc", true)]
    [TestCase("a*b*c", "aXbYbZ", false)]
    public void Type_patterns_use_star_as_a_wildcard(string pattern, string type, bool expected) =>
        Assert.That(TypePattern.Matches(pattern, type), Is.EqualTo(expected));

    [Test]
    public void Not_types_win_over_types()
    {
        var filter = Parse("""{"room": {"timeline": {"types": ["m.*"], "not_types": ["m.room.member"]}}}""");

        Assert.That(filter.RoomFilter.TimelineFilter.Matches("m.room.message", null), Is.True);
        Assert.That(filter.RoomFilter.TimelineFilter.Matches("m.room.member", null), Is.False);
    }

    [Test]
    public void An_empty_types_list_matches_nothing() =>
        Assert.That(Parse("""{"account_data": {"types": []}}""").AccountDataFilter.Matches("m.direct", null), Is.False);

    [Test]
    public void Not_rooms_win_over_rooms()
    {
        var filter = Parse("""{"room": {"rooms": ["!a:x", "!b:x"], "not_rooms": ["!b:x"]}}""");

        Assert.That(filter.RoomFilter.IncludesRoom("!a:x"), Is.True);
        Assert.That(filter.RoomFilter.IncludesRoom("!b:x"), Is.False);
        Assert.That(filter.RoomFilter.IncludesRoom("!c:x"), Is.False);
    }

    [Test]
    public void Contains_url_selects_events_by_their_url()
    {
        var filter = Parse("""{"room": {"timeline": {"contains_url": true}}}""").RoomFilter.TimelineFilter;

        Assert.That(filter.Matches("!a:x", "m.room.message", "@s:x", hasUrl: true), Is.True);
        Assert.That(filter.Matches("!a:x", "m.room.message", "@s:x", hasUrl: false), Is.False);
    }

    [Test]
    public void Lazy_loading_switches_are_read()
    {
        var state = Parse("""{"room": {"state": {"lazy_load_members": true, "include_redundant_members": true}}}""").RoomFilter.StateFilter;

        Assert.That((state.LazyLoadMembers, state.IncludeRedundantMembers), Is.EqualTo((true, true)));
    }

    [Test]
    public void The_timeline_limit_defaults_and_is_capped()
    {
        Assert.That(Filter.Default.TimelineLimit(), Is.EqualTo(10));
        Assert.That(Parse("""{"room": {"timeline": {"limit": 5000}}}""").TimelineLimit(maxLimit: 100), Is.EqualTo(100));
    }

    [Test]
    public void Event_fields_keep_only_the_listed_paths()
    {
        var filter = Parse("""{"event_fields": ["type", "content.body", "content.m\\.relates_to"]}""");
        var @event = JsonNode.Parse("""
            {"type": "m.room.message", "sender": "@s:x", "content": {"body": "hi", "msgtype": "m.text", "m.relates_to": {"rel_type": "m.thread"}}}
            """)!.AsObject();

        var trimmed = filter.ApplyEventFields(@event);

        Assert.That(trimmed.ToJsonString(), Is.EqualTo("""{"type":"m.room.message","content":{"body":"hi","m.relates_to":{"rel_type":"m.thread"}}}"""));
    }

    [Test]
    public void Unknown_fields_are_ignored() =>
        Assert.That(Parse("""{"org.example.future": {"x": 1}, "room": {"org.example": []}}"""), Is.Not.Null);
}
