using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.Events;

/// <summary>
/// The redaction algorithm per room version, as a table: for each event type and key, the room
/// versions in which the key survives. Every row is checked against all twelve versions.
/// </summary>
public class RedactionTests
{
    private const string All = "1-12";
    private const string BeforeV11 = "1-10";
    private const string FromV11 = "11-12";
    private const string Never = "";

    // (event type, top-level key or "content.<key>", versions in which it is kept)
    private static readonly (string Type, string Key, string KeptIn)[] Table =
    [
        // Top-level keys.
        ("m.room.message", "event_id", All),
        ("m.room.message", "type", All),
        ("m.room.message", "room_id", All),
        ("m.room.message", "sender", All),
        ("m.room.member", "state_key", All),
        ("m.room.message", "hashes", All),
        ("m.room.message", "signatures", All),
        ("m.room.message", "depth", All),
        ("m.room.message", "prev_events", All),
        ("m.room.message", "auth_events", All),
        ("m.room.message", "origin_server_ts", All),
        ("m.room.message", "origin", BeforeV11),
        ("m.room.member", "membership", BeforeV11),
        ("m.room.member", "prev_state", BeforeV11),
        ("m.room.message", "unsigned", Never),
        ("m.room.message", "age_ts", Never),
        ("m.room.redaction", "redacts", Never),
        ("m.room.message", "org.example.custom", Never),
        // m.room.member
        ("m.room.member", "content.membership", All),
        ("m.room.member", "content.join_authorised_via_users_server", "9-12"),
        ("m.room.member", "content.displayname", Never),
        ("m.room.member", "content.avatar_url", Never),
        ("m.room.member", "content.reason", Never),
        // m.room.create
        ("m.room.create", "content.creator", All),
        ("m.room.create", "content.room_version", FromV11),
        ("m.room.create", "content.m.federate", FromV11),
        ("m.room.create", "content.predecessor", FromV11),
        ("m.room.create", "content.additional_creators", FromV11),
        // m.room.join_rules
        ("m.room.join_rules", "content.join_rule", All),
        ("m.room.join_rules", "content.allow", "8-12"),
        ("m.room.join_rules", "content.other", Never),
        // m.room.power_levels
        ("m.room.power_levels", "content.ban", All),
        ("m.room.power_levels", "content.events", All),
        ("m.room.power_levels", "content.events_default", All),
        ("m.room.power_levels", "content.kick", All),
        ("m.room.power_levels", "content.redact", All),
        ("m.room.power_levels", "content.state_default", All),
        ("m.room.power_levels", "content.users", All),
        ("m.room.power_levels", "content.users_default", All),
        ("m.room.power_levels", "content.invite", FromV11),
        ("m.room.power_levels", "content.notifications", Never),
        // m.room.aliases (special-cased up to v5)
        ("m.room.aliases", "content.aliases", "1-5"),
        // m.room.history_visibility
        ("m.room.history_visibility", "content.history_visibility", All),
        // m.room.redaction
        ("m.room.redaction", "content.redacts", FromV11),
        ("m.room.redaction", "content.reason", Never),
        // Key names only protected for other types are not kept elsewhere.
        ("m.room.message", "content.body", Never),
        ("m.room.message", "content.membership", Never),
        ("m.room.name", "content.name", Never),
        ("m.room.topic", "content.topic", Never),
        ("m.room.canonical_alias", "content.alias", Never),
    ];

    public static IEnumerable<TestCaseData> Rows() =>
        from row in Table
        from version in Versions.All
        let kept = KeptIn(row.KeptIn, version)
        select new TestCaseData(row.Type, row.Key, version, kept)
            .SetName($"Redaction v{version.Id} {(kept ? "keeps" : "drops")} {row.Type} {row.Key}");

    private static bool KeptIn(string range, RoomVersion version)
    {
        if (range.Length == 0) return false;
        var bounds = range.Split('-').Select(int.Parse).ToArray();
        var id = int.Parse(version.Id);
        return id >= bounds[0] && id <= bounds[^1];
    }

    [TestCaseSource(nameof(Rows))]
    public void KeyIsKeptOrDropped(string type, string key, RoomVersion version, bool kept)
    {
        var evt = FullEvent(type);
        var value = new JsonObject { ["marker"] = key };
        if (key.StartsWith("content.", StringComparison.Ordinal)) evt["content"]![key["content.".Length..]] = value;
        else evt[key] = value;

        var redacted = Redaction.Redact(evt, version);

        var container = key.StartsWith("content.", StringComparison.Ordinal) ? redacted["content"]!.AsObject() : redacted;
        var name = key.StartsWith("content.", StringComparison.Ordinal) ? key["content.".Length..] : key;
        if (kept)
            Assert.That(CanonicalJson.EncodeToString(container[name]), Is.EqualTo(CanonicalJson.EncodeToString(value)));
        else
            Assert.That(container.ContainsKey(name), Is.False);
    }

    private static JsonObject FullEvent(string type) => new()
    {
        ["type"] = type,
        ["room_id"] = "!r:example.org",
        ["sender"] = "@u:example.org",
        ["content"] = new JsonObject(),
        ["origin_server_ts"] = 1,
        ["depth"] = 1,
    };

    public static IEnumerable<RoomVersion> AllVersions => Versions.All;

    [TestCaseSource(nameof(AllVersions))]
    public void InputIsNotModified(RoomVersion version)
    {
        var evt = Member();
        var before = CanonicalJson.EncodeToString(evt);
        Redaction.Redact(evt, version);
        Assert.That(CanonicalJson.EncodeToString(evt), Is.EqualTo(before));
    }

    [TestCaseSource(nameof(AllVersions))]
    public void ResultSharesNoNodesWithInput(RoomVersion version)
    {
        var evt = Member();
        var before = CanonicalJson.EncodeToString(evt);
        var redacted = Redaction.Redact(evt, version);
        redacted["signatures"]!["example.org"]!["ed25519:1"] = "changed";
        redacted["prev_events"]!.AsArray().Add("$more");
        redacted["content"]!["membership"] = "leave";
        Assert.That(CanonicalJson.EncodeToString(evt), Is.EqualTo(before));
    }

    [TestCaseSource(nameof(AllVersions))]
    public void RedactingTwiceChangesNothing(RoomVersion version)
    {
        var once = Redaction.Redact(Member(), version);
        Assert.That(CanonicalJson.EncodeToString(Redaction.Redact(once, version)), Is.EqualTo(CanonicalJson.EncodeToString(once)));
    }

    [TestCaseSource(nameof(AllVersions))]
    public void MissingContentBecomesEmptyObject(RoomVersion version)
    {
        var evt = FullEvent("m.room.message");
        evt.Remove("content");
        Assert.That(Redaction.Redact(evt, version)["content"], Is.InstanceOf<JsonObject>().And.Empty);
    }

    [TestCaseSource(nameof(AllVersions))]
    public void ContentThatIsNotAnObjectBecomesEmptyObject(RoomVersion version)
    {
        var evt = FullEvent("m.room.create");
        evt["content"] = "text";
        Assert.That(Redaction.Redact(evt, version)["content"], Is.InstanceOf<JsonObject>().And.Empty);
    }

    [Test]
    public void V11MemberKeepsOnlySignedOfThirdPartyInvite()
    {
        var redacted = Redaction.Redact(Member(), Versions.V11);
        Assert.That(CanonicalJson.EncodeToString(redacted["content"]!["third_party_invite"]),
            Is.EqualTo("""{"signed":{"mxid":"@u:example.org","token":"abc"}}"""));
    }

    [TestCase("10")]
    [TestCase("9")]
    [TestCase("1")]
    public void MemberBeforeV11DropsThirdPartyInvite(string versionId)
    {
        Versions.TryGet(versionId, out var version);
        Assert.That(Redaction.Redact(Member(), version)["content"]!.AsObject().ContainsKey("third_party_invite"), Is.False);
    }

    [Test]
    public void V11MemberDropsThirdPartyInviteWithoutSigned()
    {
        var evt = Member();
        evt["content"]!["third_party_invite"] = new JsonObject { ["display_name"] = "x" };
        Assert.That(Redaction.Redact(evt, Versions.V11)["content"]!.AsObject().ContainsKey("third_party_invite"), Is.False);
    }

    [Test]
    public void V11CreateKeepsArbitraryContent()
    {
        var evt = FullEvent("m.room.create");
        evt["content"] = JsonNode.Parse("""{"room_version": "11", "org.example.x": [1, {"y": null}]}""");
        Assert.That(CanonicalJson.EncodeToString(Redaction.Redact(evt, Versions.V11)["content"]),
            Is.EqualTo("""{"org.example.x":[1,{"y":null}],"room_version":"11"}"""));
    }

    [Test]
    public void SpecExampleMessageIsRedactedToItsEssentials()
    {
        var evt = JsonNode.Parse("""
            {"content": {"body": "Here is the message content"}, "event_id": "$0:domain", "origin": "domain",
             "origin_server_ts": 1000000, "type": "m.room.message", "room_id": "!r:domain", "sender": "@u:domain",
             "signatures": {}, "unsigned": {"age_ts": 1000000}}
            """)!.AsObject();
        Assert.That(CanonicalJson.EncodeToString(Redaction.Redact(evt, Versions.V1)), Is.EqualTo(
            """{"content":{},"event_id":"$0:domain","origin":"domain","origin_server_ts":1000000,"room_id":"!r:domain","sender":"@u:domain","signatures":{},"type":"m.room.message"}"""));
    }

    private static JsonObject Member() => JsonNode.Parse("""
        {
          "type": "m.room.member", "state_key": "@u:example.org", "sender": "@u:example.org", "room_id": "!r:example.org",
          "origin": "example.org", "membership": "join", "origin_server_ts": 5, "depth": 3,
          "prev_events": ["$a"], "auth_events": ["$b", "$c"],
          "content": {
            "membership": "invite", "displayname": "U", "join_authorised_via_users_server": "@admin:example.org",
            "third_party_invite": {"display_name": "u...@example.com", "signed": {"mxid": "@u:example.org", "token": "abc"}}
          },
          "hashes": {"sha256": "abc"}, "signatures": {"example.org": {"ed25519:1": "sig"}}, "unsigned": {"age": 1}
        }
        """)!.AsObject();
}
