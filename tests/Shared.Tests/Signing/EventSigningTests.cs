using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.Signing;

public class EventSigningTests
{
    private Ed25519SigningKey _origin = null!;
    private Ed25519SigningKey _resident = null!;

    [SetUp]
    public void CreateKeys()
    {
        _origin = Ed25519SigningKey.Generate("o1");
        _resident = Ed25519SigningKey.Generate("r1");
    }

    [TearDown]
    public void DisposeKeys()
    {
        _origin.Dispose();
        _resident.Dispose();
    }

    public static IEnumerable<RoomVersion> AllVersions => Versions.All;

    private static JsonObject Message() => JsonNode.Parse("""
        {"type": "m.room.message", "room_id": "!r:origin.example", "sender": "@a:origin.example", "origin": "origin.example",
         "origin_server_ts": 1700000000000, "depth": 4, "prev_events": ["$p"], "auth_events": ["$c", "$m"],
         "content": {"msgtype": "m.text", "body": "hello"}, "unsigned": {"age_ts": 1700000000000}}
        """)!.AsObject();

    private JsonObject SignedMessage(RoomVersion version)
    {
        var evt = Message();
        EventSigning.HashAndSign(evt, version, "origin.example", _origin);
        return evt;
    }

    private EventVerification VerifyOrigin(JsonObject evt, RoomVersion version) =>
        EventSigning.Verify(evt, version, "origin.example", _origin.VerifyKey);

    [TestCaseSource(nameof(AllVersions))]
    public void SignedEventVerifies(RoomVersion version)
    {
        var result = VerifyOrigin(SignedMessage(version), version);
        Assert.That(result.Status, Is.EqualTo(EventVerificationStatus.Valid));
        Assert.That(result.ContentHash, Is.EqualTo(ContentHashStatus.Matches));
        Assert.That(result.Redacted, Is.Null);
    }

    [TestCaseSource(nameof(AllVersions))]
    public void SigningReturnsTheSignedEventsReferenceHash(RoomVersion version)
    {
        var evt = Message();
        var returned = EventSigning.HashAndSign(evt, version, "origin.example", _origin);
        Assert.That(returned, Is.EqualTo(EventHashing.ComputeReferenceHash(evt, version)));
    }

    [TestCaseSource(nameof(AllVersions))]
    public void AlteredRedactableContentRequiresRedaction(RoomVersion version)
    {
        var evt = SignedMessage(version);
        evt["content"]!["body"] = "forged";
        var result = VerifyOrigin(evt, version);
        Assert.That(result.Status, Is.EqualTo(EventVerificationStatus.RedactionRequired));
        Assert.That(result.ContentHash, Is.EqualTo(ContentHashStatus.Mismatch));
        Assert.That(CanonicalJson.EncodeToString(result.Redacted), Is.EqualTo(CanonicalJson.EncodeToString(Redaction.Redact(evt, version))));
    }

    [TestCaseSource(nameof(AllVersions))]
    public void RedactedCopyStillHasValidSignature(RoomVersion version)
    {
        var redacted = Redaction.Redact(SignedMessage(version), version);
        var result = VerifyOrigin(redacted, version);
        Assert.That(result.Status, Is.EqualTo(EventVerificationStatus.RedactionRequired));
        Assert.That(result.Signatures.Single().IsValid, Is.True);
    }

    [TestCaseSource(nameof(AllVersions))]
    public void AlteredEssentialFieldInvalidatesSignature(RoomVersion version)
    {
        var evt = SignedMessage(version);
        evt["depth"] = 5;
        var result = VerifyOrigin(evt, version);
        Assert.That(result.Status, Is.EqualTo(EventVerificationStatus.SignatureInvalid));
        Assert.That(result.FailedSignature?.Status, Is.EqualTo(SignatureStatus.BadSignature));
    }

    [Test]
    public void AlteredContentHashInvalidatesSignature()
    {
        var evt = SignedMessage(Versions.V10);
        evt["hashes"] = new JsonObject { ["sha256"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
        Assert.That(VerifyOrigin(evt, Versions.V10).Status, Is.EqualTo(EventVerificationStatus.SignatureInvalid));
    }

    [Test]
    public void UnsignedDataDoesNotAffectVerification()
    {
        var evt = SignedMessage(Versions.V10);
        evt["unsigned"] = new JsonObject { ["age"] = 12 };
        Assert.That(VerifyOrigin(evt, Versions.V10).IsValid, Is.True);
    }

    [Test]
    public void SignatureFromWrongKeyIsInvalid()
    {
        var evt = SignedMessage(Versions.V10);
        using var impostor = Ed25519SigningKey.Generate("o1");
        var result = EventSigning.Verify(evt, Versions.V10, "origin.example", impostor.VerifyKey);
        Assert.That(result.FailedSignature?.Status, Is.EqualTo(SignatureStatus.BadSignature));
    }

    [Test]
    public void SignatureUnderOtherKeyIdIsReported()
    {
        var result = EventSigning.Verify(SignedMessage(Versions.V10), Versions.V10, "origin.example", _resident.VerifyKey);
        Assert.That(result.Status, Is.EqualTo(EventVerificationStatus.SignatureInvalid));
        Assert.That(result.FailedSignature?.Status, Is.EqualTo(SignatureStatus.NoSignatureWithKeyId));
    }

    [Test]
    public void SignatureCheckedUnderOtherRoomVersionRulesFails()
    {
        // v10 keeps "origin" in the signed redacted form, v11 does not, so the bytes differ.
        var evt = SignedMessage(Versions.V10);
        Assert.That(VerifyOrigin(evt, Versions.V11).Status, Is.EqualTo(EventVerificationStatus.SignatureInvalid));
    }

    [Test]
    public void CountersignatureKeepsTheOriginalsValid()
    {
        var evt = SignedMessage(Versions.V10);
        var hashBefore = CanonicalJson.EncodeToString(evt["hashes"]);
        EventSigning.AddSignature(evt, Versions.V10, "resident.example", _resident);

        var result = EventSigning.Verify(evt, Versions.V10,
            [new ServerVerifyKey("origin.example", _origin.VerifyKey), new ServerVerifyKey("resident.example", _resident.VerifyKey)]);
        Assert.That(result.Status, Is.EqualTo(EventVerificationStatus.Valid));
        Assert.That(result.Signatures, Has.Count.EqualTo(2));
        Assert.That(CanonicalJson.EncodeToString(evt["hashes"]), Is.EqualTo(hashBefore));
    }

    [Test]
    public void EveryRequiredServerMustHaveSigned()
    {
        var result = EventSigning.Verify(SignedMessage(Versions.V10), Versions.V10,
            [new ServerVerifyKey("origin.example", _origin.VerifyKey), new ServerVerifyKey("resident.example", _resident.VerifyKey)]);
        Assert.That(result.Status, Is.EqualTo(EventVerificationStatus.SignatureInvalid));
        Assert.That(result.FailedSignature?.ServerName, Is.EqualTo("resident.example"));
        Assert.That(result.FailedSignature?.Status, Is.EqualTo(SignatureStatus.NoSignatureFromServer));
    }

    [Test]
    public void MissingContentHashRequiresRedaction()
    {
        var evt = Message();
        EventSigning.AddSignature(evt, Versions.V10, "origin.example", _origin);
        var result = VerifyOrigin(evt, Versions.V10);
        Assert.That(result.Status, Is.EqualTo(EventVerificationStatus.RedactionRequired));
        Assert.That(result.ContentHash, Is.EqualTo(ContentHashStatus.Missing));
    }

    [Test]
    public void VerificationDoesNotModifyTheEvent()
    {
        var evt = SignedMessage(Versions.V10);
        evt["content"]!["body"] = "forged";
        var before = CanonicalJson.EncodeToString(evt);
        VerifyOrigin(evt, Versions.V10);
        Assert.That(CanonicalJson.EncodeToString(evt), Is.EqualTo(before));
    }

    [Test]
    public void UnencodableEventIsReportedNotThrown()
    {
        var evt = SignedMessage(Versions.V10);
        evt["room_id"] = "\ud800";
        Assert.That(VerifyOrigin(evt, Versions.V10).FailedSignature?.Status, Is.EqualTo(SignatureStatus.NotCanonicalJson));
    }

    [Test]
    public void UnencodableRedactableContentRequiresRedaction()
    {
        var evt = SignedMessage(Versions.V10);
        evt["content"]!["body"] = "\ud800";
        Assert.That(VerifyOrigin(evt, Versions.V10).Status, Is.EqualTo(EventVerificationStatus.RedactionRequired));
    }

    [Test]
    public void SignedEventIdIsStableAcrossSigning()
    {
        // The event ID covers hashes but not signatures, so countersigning must not change it.
        var evt = SignedMessage(Versions.V12);
        var id = EventIds.Of(evt, Versions.V12);
        EventSigning.AddSignature(evt, Versions.V12, "resident.example", _resident);
        Assert.That(EventIds.Of(evt, Versions.V12), Is.EqualTo(id));
    }

    [Test]
    public void VerifyingAgainstNoServerIsRefused() =>
        Assert.Throws<ArgumentException>(() => EventSigning.Verify(SignedMessage(Versions.V10), Versions.V10, []));
}
