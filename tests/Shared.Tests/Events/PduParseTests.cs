using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.Events;

public class PduParseTests
{
    private static JsonObject Message() => new()
    {
        ["type"] = "m.room.message",
        ["room_id"] = "!r:example.org",
        ["sender"] = "@a:example.org",
        ["content"] = new JsonObject { ["body"] = "hi" },
        ["auth_events"] = new JsonArray(),
        ["prev_events"] = new JsonArray(),
    };

    [Test]
    public void DepthBuiltFromAnIntIsRead()
    {
        var json = Message();
        json["depth"] = 10;
        json["origin_server_ts"] = 1234;
        var pdu = Pdu.Parse(json, Versions.V11, "$x");
        Assert.That((pdu.Depth, pdu.OriginServerTs), Is.EqualTo((10L, 1234L)));
    }

    [Test]
    public void DepthParsedFromJsonTextIsRead()
    {
        var json = JsonNode.Parse("""{"type":"t","room_id":"!r:e","sender":"@a:e","content":{},"depth":9007199254740991}""")!.AsObject();
        Assert.That(Pdu.Parse(json, Versions.V11, "$x").Depth, Is.EqualTo(9007199254740991L));
    }

    [TestCase("\"10\"")]
    [TestCase("1.5")]
    [TestCase("true")]
    public void NonIntegerDepthIsAnInvalidEvent(string depth)
    {
        var json = JsonNode.Parse($$"""{"type":"t","room_id":"!r:e","sender":"@a:e","content":{},"depth":{{depth}}}""")!.AsObject();
        Assert.Throws<InvalidEventException>(() => Pdu.Parse(json, Versions.V11, "$x"));
    }

    [Test]
    public void MissingSenderIsAnInvalidEvent()
    {
        var json = Message();
        json.Remove("sender");
        Assert.Throws<InvalidEventException>(() => Pdu.Parse(json, Versions.V11, "$x"));
    }

    [Test]
    public void V1ReferencePairsAreReadAsEventIds()
    {
        var json = Message();
        json["prev_events"] = JsonNode.Parse("""[["$p:example.org", {"sha256": "abc"}]]""");
        Assert.That(Pdu.Parse(json, Versions.V1, "$x:example.org").PrevEventIds, Is.EqualTo(new[] { "$p:example.org" }));
    }

    [Test]
    public void V1ReferenceAsPlainStringIsAnInvalidEvent()
    {
        var json = Message();
        json["prev_events"] = JsonNode.Parse("""["$p:example.org"]""");
        Assert.Throws<InvalidEventException>(() => Pdu.Parse(json, Versions.V1, "$x:example.org"));
    }

    [Test]
    public void V12CreateEventTakesItsRoomIdFromItsEventId()
    {
        var json = JsonNode.Parse("""{"type":"m.room.create","state_key":"","sender":"@a:e","content":{}}""")!.AsObject();
        Assert.That(Pdu.Parse(json, Versions.V12, "$abc").RoomId, Is.EqualTo("!abc"));
    }
}
