using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Json;

namespace Cluster.Shared.Tests.Events;

public class EventSizeLimitsTests
{
    private static JsonObject Event() => new()
    {
        ["type"] = "m.room.message",
        ["room_id"] = "!room:example.org",
        ["sender"] = "@alice:example.org",
        ["origin_server_ts"] = 1,
        ["depth"] = 1,
        ["content"] = new JsonObject { ["body"] = "" },
        ["signatures"] = new JsonObject { ["example.org"] = new JsonObject { ["ed25519:1"] = new string('s', 86) } },
    };

    /// <summary>An event whose canonical JSON is exactly <paramref name="bytes"/> long, padded through content.body.</summary>
    private static JsonObject EventOfSize(int bytes)
    {
        var evt = Event();
        var baseSize = CanonicalJson.Encode(evt).Length;
        evt["content"]!["body"] = new string('a', bytes - baseSize);
        Assert.That(CanonicalJson.Encode(evt), Has.Length.EqualTo(bytes), "test setup");
        return evt;
    }

    [Test]
    public void EventOf65536BytesIsAllowed() =>
        Assert.That(EventSizeLimits.Check(EventOfSize(65536)).Status, Is.EqualTo(EventSizeStatus.WithinLimits));

    [Test]
    public void EventOf65537BytesIsTooLarge()
    {
        var check = EventSizeLimits.Check(EventOfSize(65537));
        Assert.That(check, Is.EqualTo(new EventSizeCheck(EventSizeStatus.EventTooLarge, null, 65537, 65536)));
    }

    [Test]
    public void SignaturesCountTowardsTheLimit()
    {
        var evt = EventOfSize(65536);
        evt["signatures"]!["example.org"]!["ed25519:2"] = "x";
        Assert.That(EventSizeLimits.Check(evt).Status, Is.EqualTo(EventSizeStatus.EventTooLarge));
    }

    [Test]
    public void MultiByteCharactersCountAsTheirUtf8Length()
    {
        var evt = EventOfSize(65536);
        var body = (string)evt["content"]!["body"]!;
        evt["content"]!["body"] = "é" + body[2..]; // one 2-byte character replaces two 1-byte ones
        Assert.That(EventSizeLimits.Check(evt).IsValid, Is.True);
        evt["content"]!["body"] = "é" + body[1..];
        Assert.That(EventSizeLimits.Check(evt).Status, Is.EqualTo(EventSizeStatus.EventTooLarge));
    }

    private static string OfBytes(string prefix, int bytes, string suffix = "") =>
        prefix + new string('x', bytes - prefix.Length - suffix.Length) + suffix;

    public static IEnumerable<TestCaseData> Fields() =>
    [
        new TestCaseData("sender", "@", ":example.org"),
        new TestCaseData("room_id", "!", ":example.org"),
        new TestCaseData("state_key", "", ""),
        new TestCaseData("type", "m.", ""),
        new TestCaseData("event_id", "$", ":example.org"),
    ];

    [TestCaseSource(nameof(Fields))]
    public void FieldOf255BytesIsAllowed(string field, string prefix, string suffix)
    {
        var evt = Event();
        evt[field] = OfBytes(prefix, 255, suffix);
        Assert.That(EventSizeLimits.Check(evt).Status, Is.EqualTo(EventSizeStatus.WithinLimits));
    }

    [TestCaseSource(nameof(Fields))]
    public void FieldOf256BytesIsTooLong(string field, string prefix, string suffix)
    {
        var evt = Event();
        evt[field] = OfBytes(prefix, 256, suffix);
        Assert.That(EventSizeLimits.Check(evt), Is.EqualTo(new EventSizeCheck(EventSizeStatus.FieldTooLong, field, 256, 255)));
    }

    [Test]
    public void FieldLengthIsCountedInUtf8Bytes()
    {
        var evt = Event();
        evt["state_key"] = new string('日', 85); // 255 bytes
        Assert.That(EventSizeLimits.Check(evt).IsValid, Is.True);
        evt["state_key"] = new string('日', 86); // 258 bytes, though only 86 chars
        Assert.That(EventSizeLimits.Check(evt).Status, Is.EqualTo(EventSizeStatus.FieldTooLong));
    }

    [Test]
    public void ComputedEventIdIsCheckedToo()
    {
        Assert.That(EventSizeLimits.Check(Event(), "$" + new string('a', 254)).IsValid, Is.True);
        Assert.That(EventSizeLimits.Check(Event(), "$" + new string('a', 255)).Field, Is.EqualTo("event_id"));
    }

    [Test]
    public void UnencodableEventIsReportedNotThrown()
    {
        var evt = Event();
        evt["content"]!["body"] = "\udc00";
        Assert.That(EventSizeLimits.Check(evt).Status, Is.EqualTo(EventSizeStatus.NotCanonicalJson));
    }
}
