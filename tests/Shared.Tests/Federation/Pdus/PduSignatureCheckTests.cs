using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Pdus;
using Cluster.Shared.Signing;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.Federation.Pdus;

/// <summary>Checks 2 and 3 once the keys are known, against the spec's signing vectors and keys of our own.</summary>
public class PduSignatureCheckTests
{
    private static ServerVerifyKey SpecKey => new(SpecEventVectors.Server, SpecEventVectors.VerifyKey());

    private static Pdu Read(JsonObject json, Cluster.Shared.RoomVersions.RoomVersion version)
    {
        Assert.That(IncomingPdu.TryParse(json, version, null, out var pdu, out var failure), Is.True, failure?.ToString());
        return pdu!;
    }

    [Test]
    public void SpecMinimalEventSignedByItsServerIsAccepted()
    {
        var pdu = Read(SpecEventVectors.MinimalEvent(), Versions.V5);
        var result = PduSignatureCheck.Check(pdu, [SpecKey]);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(PduCheckStatus.Accepted));
            Assert.That(result.Pdu, Is.SameAs(pdu));
        });
    }

    [Test]
    public void SpecMessageSignedByItsServerIsAccepted()
    {
        var json = SpecEventVectors.RedactableMessage();
        var pdu = Pdu.Parse(json, Versions.V1, "$0:domain");
        Assert.That(PduSignatureCheck.Check(pdu, [SpecKey]).Status, Is.EqualTo(PduCheckStatus.Accepted));
    }

    [Test]
    public void SpecMessageWithAlteredContentIsKeptRedacted()
    {
        var json = SpecEventVectors.RedactableMessage();
        json["content"]!["body"] = "Something else entirely";
        var result = PduSignatureCheck.Check(Pdu.Parse(json, Versions.V1, "$0:domain"), [SpecKey]);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(PduCheckStatus.Redacted));
            Assert.That(result.Failure!.Reason, Is.EqualTo(PduFailureReason.ContentHashMismatch));
            Assert.That(result.Pdu!.EventId, Is.EqualTo("$0:domain"));
            Assert.That(result.Pdu.Content, Is.Empty);
        });
    }

    [Test]
    public void RedactedCopyOfASignedEventIsAcceptedAsReceived()
    {
        // Another server may hand us an event it has redacted: the signature still holds, and the
        // content hash no longer matches, so the redacted form is what is kept, as it should be.
        var json = SpecEventVectors.RedactableMessage();
        var redacted = Redaction.Redact(json, Versions.V1);
        var result = PduSignatureCheck.Check(Pdu.Parse(redacted, Versions.V1, "$0:domain"), [SpecKey]);
        Assert.That(result.Status, Is.EqualTo(PduCheckStatus.Redacted));
    }

    [Test]
    public void AlteredSignatureIsDropped()
    {
        var json = SpecEventVectors.MinimalEvent();
        var signatures = json["signatures"]![SpecEventVectors.Server]!.AsObject();
        var signature = signatures["ed25519:1"]!.GetValue<string>();
        signatures["ed25519:1"] = (signature[0] == 'A' ? "B" : "A") + signature[1..];
        var result = PduSignatureCheck.Check(Read(json, Versions.V5), [SpecKey]);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(PduCheckStatus.Dropped));
            Assert.That(result.Failure!.Reason, Is.EqualTo(PduFailureReason.BadSignature));
            Assert.That(result.Pdu, Is.Null);
        });
    }

    [Test]
    public void AlteredEssentialFieldIsDropped()
    {
        // Fields that survive redaction are signed, so changing one breaks the signature, not just the hash.
        var json = SpecEventVectors.MinimalEvent();
        json["sender"] = "@mallory:domain";
        Assert.That(PduSignatureCheck.Check(Read(json, Versions.V5), [SpecKey]).Failure!.Reason, Is.EqualTo(PduFailureReason.BadSignature));
    }

    [Test]
    public void SignatureByAnotherKeyIdIsAMissingSignature()
    {
        using var other = Ed25519SigningKey.Generate("other");
        var result = PduSignatureCheck.Check(Read(SpecEventVectors.MinimalEvent(), Versions.V5),
            [new ServerVerifyKey(SpecEventVectors.Server, other.VerifyKey)]);
        Assert.That(result.Failure!.Reason, Is.EqualTo(PduFailureReason.MissingSignature));
    }

    [Test]
    public void EveryRequiredServerMustHaveSigned()
    {
        using var second = Ed25519SigningKey.Generate("second");
        var pdu = Read(SpecEventVectors.MinimalEvent(), Versions.V5);
        var result = PduSignatureCheck.Check(pdu, [SpecKey, new ServerVerifyKey("second.example", second.VerifyKey)]);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(PduCheckStatus.Dropped));
            Assert.That(result.Failure!.Detail, Does.Contain("second.example"));
        });
    }

    [Test]
    public void EventSignedByTwoServersIsAcceptedWithBothKeys()
    {
        using var first = Ed25519SigningKey.Generate("first");
        using var second = Ed25519SigningKey.Generate("second");
        var json = SignedEvents.SignedMessage(Versions.V9, first);
        EventSigning.AddSignature(json, Versions.V9, "authoriser.example", second);
        Assert.That(IncomingPdu.TryParse(json, Versions.V9, null, out var pdu, out _), Is.True);
        var result = PduSignatureCheck.Check(pdu!,
            [new ServerVerifyKey(SignedEvents.Server, first.VerifyKey), new ServerVerifyKey("authoriser.example", second.VerifyKey)]);
        Assert.That(result.Status, Is.EqualTo(PduCheckStatus.Accepted));
    }

    [Test]
    public void NoKeysToCheckWithIsADrop()
    {
        Assert.That(PduSignatureCheck.Check(Read(SpecEventVectors.MinimalEvent(), Versions.V5), []).Status, Is.EqualTo(PduCheckStatus.Dropped));
    }
}
