using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Pdus;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.Federation.Pdus;

/// <summary>Which servers a received event must be signed by.</summary>
public class PduSignersTests
{
    private static Pdu Event(RoomVersion version, string type, string sender, string? stateKey, JsonObject content,
        string? eventId = null, Action<JsonObject>? change = null)
    {
        var json = SignedEvents.Message(version, sender);
        json["type"] = type;
        json["content"] = content;
        if (stateKey is not null) json["state_key"] = stateKey;
        if (eventId is not null) json["event_id"] = eventId;
        change?.Invoke(json);
        return Pdu.Parse(json, version, version.ServerGeneratedEventIds ? eventId ?? json["event_id"]!.GetValue<string>() : "$x");
    }

    private static Pdu Message(RoomVersion version, string sender, string? eventId = null) =>
        Event(version, "m.room.message", sender, null, new JsonObject { ["body"] = "hi" }, eventId);

    [Test]
    public void MessageMustBeSignedBySendersServer()
    {
        Assert.That(PduSigners.Required(Message(Versions.V11, "@alice:a.example")), Is.EqualTo(new[] { "a.example" }));
    }

    [TestCase("1")]
    [TestCase("2")]
    public void V1AndV2EventMustAlsoBeSignedByTheServerThatNamedIt(string versionId)
    {
        Versions.TryGet(versionId, out var version);
        var pdu = Message(version, "@alice:a.example", "$abc:b.example");
        Assert.That(PduSigners.Required(pdu), Is.EqualTo(new[] { "a.example", "b.example" }));
    }

    [Test]
    public void V1EventNamedByItsSendersServerNeedsOneSignature()
    {
        Assert.That(PduSigners.Required(Message(Versions.V1, "@alice:a.example", "$abc:a.example")), Is.EqualTo(new[] { "a.example" }));
    }

    [TestCase("8")]
    [TestCase("9")]
    [TestCase("12")]
    public void RestrictedJoinMustAlsoBeSignedByTheAuthorisingServer(string versionId)
    {
        Versions.TryGet(versionId, out var version);
        var join = Event(version, "m.room.member", "@joe:a.example", "@joe:a.example",
            new JsonObject { ["membership"] = "join", ["join_authorised_via_users_server"] = "@admin:resident.example" });
        Assert.That(PduSigners.Required(join), Is.EqualTo(new[] { "a.example", "resident.example" }));
    }

    [Test]
    public void AuthorisingUserMeansNothingBeforeV8()
    {
        var join = Event(Versions.V7, "m.room.member", "@joe:a.example", "@joe:a.example",
            new JsonObject { ["membership"] = "join", ["join_authorised_via_users_server"] = "@admin:resident.example" });
        Assert.That(PduSigners.Required(join), Is.EqualTo(new[] { "a.example" }));
    }

    [Test]
    public void AuthorisingValueThatIsNotAUserIdNamesNoServer()
    {
        var join = Event(Versions.V10, "m.room.member", "@joe:a.example", "@joe:a.example",
            new JsonObject { ["membership"] = "join", ["join_authorised_via_users_server"] = "resident.example" });
        Assert.That(PduSigners.Required(join), Is.EqualTo(new[] { "a.example" }));
    }

    [Test]
    public void ThirdPartyInviteNeedsNoSignatureFromTheSendersServer()
    {
        var invite = Event(Versions.V10, "m.room.member", "@alice:a.example", "@bob:b.example", new JsonObject
        {
            ["membership"] = "invite",
            ["third_party_invite"] = new JsonObject { ["display_name"] = "bob", ["signed"] = new JsonObject() },
        });
        Assert.That(PduSigners.Required(invite), Is.Empty);
    }

    [Test]
    public void ThirdPartyInviteInV1StillNeedsTheEventIdsServer()
    {
        var invite = Event(Versions.V1, "m.room.member", "@alice:a.example", "@bob:b.example", new JsonObject
        {
            ["membership"] = "invite",
            ["third_party_invite"] = new JsonObject { ["signed"] = new JsonObject() },
        }, eventId: "$inv:b.example");
        Assert.That(PduSigners.Required(invite), Is.EqualTo(new[] { "b.example" }));
    }

    [Test]
    public void KeyIdsOfAServerAreItsEd25519Signatures()
    {
        var pdu = Message(Versions.V11, "@alice:a.example");
        pdu.Json["signatures"] = new JsonObject
        {
            ["a.example"] = new JsonObject { ["ed25519:one"] = "x", ["curve25519:two"] = "y", ["ed25519:three"] = "z", ["bad id"] = "w" },
        };
        Assert.Multiple(() =>
        {
            Assert.That(PduSigners.KeyIdsOf(pdu, "a.example"), Is.EqualTo(new[] { SigningKeyId.Ed25519("one"), SigningKeyId.Ed25519("three") }));
            Assert.That(PduSigners.KeyIdsOf(pdu, "b.example"), Is.Empty);
            Assert.That(PduSigners.SignersOf(pdu), Is.EqualTo(new[] { "a.example" }));
        });
    }
}
