using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Json;
using Cluster.Shared.Text;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.Events;

public class EventHashingTests
{
    // Golden values below were computed independently (Python: json.dumps(sort_keys=True,
    // separators=(",", ":"), ensure_ascii=False) over the hand-redacted event, then hashlib.sha256).
    internal static JsonObject Message() => JsonNode.Parse("""
        {"type": "m.room.message", "room_id": "!room:example.org", "sender": "@alice:example.org",
         "origin_server_ts": 1700000000000, "depth": 7, "content": {"msgtype": "m.text", "body": "hello"},
         "prev_events": ["$prev"], "auth_events": ["$create", "$member"],
         "hashes": {"sha256": "x"}, "signatures": {"example.org": {"ed25519:1": "sig"}}, "unsigned": {"age": 4}}
        """)!.AsObject();

    internal const string MessageReferenceHashStandard = "7eRw77VEoLpKUL1RW2okRs6I/Zi1eqb0007xbWUCOOU";

    private static string ContentHash(JsonObject evt) => UnpaddedBase64.Encode(EventHashing.ComputeContentHash(evt));
    private static string ReferenceHash(JsonObject evt) => UnpaddedBase64.Encode(EventHashing.ComputeReferenceHash(evt, Versions.V10));

    [Test]
    public void ReferenceHashMatchesIndependentComputation() =>
        Assert.That(ReferenceHash(Message()), Is.EqualTo(MessageReferenceHashStandard));

    [TestCase("unsigned")]
    [TestCase("signatures")]
    [TestCase("hashes")]
    public void ContentHashIgnores(string key)
    {
        var evt = Message();
        var before = ContentHash(evt);
        evt[key] = new JsonObject { ["anything"] = 1 };
        Assert.That(ContentHash(evt), Is.EqualTo(before));
    }

    [Test]
    public void ContentHashCoversRedactableContent()
    {
        var evt = Message();
        var before = ContentHash(evt);
        evt["content"]!["body"] = "hello!";
        Assert.That(ContentHash(evt), Is.Not.EqualTo(before));
    }

    [Test]
    public void AddedContentHashIsTheOnlyHash()
    {
        var evt = Message();
        evt["hashes"] = new JsonObject { ["sha256"] = "old", ["sha512"] = "other" };
        EventHashing.AddContentHash(evt);
        Assert.That(CanonicalJson.EncodeToString(evt["hashes"]), Is.EqualTo($$"""{"sha256":"{{ContentHash(evt)}}"}"""));
    }

    [Test]
    public void AddedContentHashChecksOut()
    {
        var evt = Message();
        EventHashing.AddContentHash(evt);
        Assert.That(EventHashing.CheckContentHash(evt), Is.EqualTo(ContentHashStatus.Matches));
    }

    [Test]
    public void AlteredContentFailsTheHashCheck()
    {
        var evt = Message();
        EventHashing.AddContentHash(evt);
        evt["content"]!["body"] = "changed";
        Assert.That(EventHashing.CheckContentHash(evt), Is.EqualTo(ContentHashStatus.Mismatch));
    }

    [TestCase("""{"depth": 1}""", ExpectedResult = ContentHashStatus.Missing, TestName = "EventWithoutHashesHasMissingHash")]
    [TestCase("""{"hashes": {}}""", ExpectedResult = ContentHashStatus.Missing, TestName = "HashesWithoutSha256HasMissingHash")]
    [TestCase("""{"hashes": []}""", ExpectedResult = ContentHashStatus.Malformed, TestName = "HashesThatAreNotAnObjectAreMalformed")]
    [TestCase("""{"hashes": {"sha256": 5}}""", ExpectedResult = ContentHashStatus.Malformed, TestName = "Sha256ThatIsNotAStringIsMalformed")]
    [TestCase("""{"hashes": {"sha256": "%%%"}}""", ExpectedResult = ContentHashStatus.Malformed, TestName = "Sha256ThatIsNotBase64IsMalformed")]
    [TestCase("""{"hashes": {"sha256": "AAAA"}}""", ExpectedResult = ContentHashStatus.Malformed, TestName = "Sha256OfWrongLengthIsMalformed")]
    public ContentHashStatus HashShape(string json) => EventHashing.CheckContentHash(JsonNode.Parse(json)!.AsObject());

    [Test]
    public void ReferenceHashDoesNotDependOnKeyOrder()
    {
        var reordered = new JsonObject();
        foreach (var (key, value) in Message().Reverse()) reordered[key] = value?.DeepClone();
        Assert.That(ReferenceHash(reordered), Is.EqualTo(ReferenceHash(Message())));
    }

    [TestCase("unsigned")]
    [TestCase("signatures")]
    [TestCase("age_ts")]
    [TestCase("org.example.extra")]
    public void ReferenceHashIgnoresTopLevel(string key)
    {
        var evt = Message();
        evt[key] = new JsonObject { ["anything"] = 1 };
        Assert.That(ReferenceHash(evt), Is.EqualTo(MessageReferenceHashStandard));
    }

    [Test]
    public void ReferenceHashIgnoresRedactableContent()
    {
        var evt = Message();
        evt["content"]!["body"] = "something else";
        Assert.That(ReferenceHash(evt), Is.EqualTo(MessageReferenceHashStandard));
    }

    [TestCase("hashes")]
    [TestCase("depth")]
    [TestCase("prev_events")]
    [TestCase("sender")]
    [TestCase("origin_server_ts")]
    public void ReferenceHashCoversEssentialKey(string key)
    {
        var evt = Message();
        evt[key] = "changed";
        Assert.That(ReferenceHash(evt), Is.Not.EqualTo(MessageReferenceHashStandard));
    }

    [Test]
    public void ReferenceHashFollowsTheRoomVersionsRedaction()
    {
        // origin is protected up to v10 and not from v11, so only the older versions' hash moves.
        var withOrigin = Message();
        withOrigin["origin"] = "example.org";
        Assert.Multiple(() =>
        {
            Assert.That(UnpaddedBase64.Encode(EventHashing.ComputeReferenceHash(withOrigin, Versions.V10)), Is.Not.EqualTo(MessageReferenceHashStandard));
            Assert.That(UnpaddedBase64.Encode(EventHashing.ComputeReferenceHash(withOrigin, Versions.V11)), Is.EqualTo(MessageReferenceHashStandard));
        });
    }

    [Test]
    public void HashingDoesNotModifyTheEvent()
    {
        var evt = Message();
        var before = CanonicalJson.EncodeToString(evt);
        EventHashing.ComputeContentHash(evt);
        EventHashing.ComputeReferenceHash(evt, Versions.V12);
        EventHashing.CheckContentHash(evt);
        Assert.That(CanonicalJson.EncodeToString(evt), Is.EqualTo(before));
    }
}
