using System.Text.Json.Nodes;
using Cluster.Shared.Json;
using Cluster.Shared.Signing;
using Cluster.Shared.Text;

namespace Cluster.Shared.Tests.Signing;

public class JsonSignatureTests
{
    private Ed25519SigningKey _key = null!;
    private Ed25519SigningKey _otherKey = null!;

    [SetUp]
    public void CreateKeys()
    {
        _key = Ed25519SigningKey.Generate("k1");
        _otherKey = Ed25519SigningKey.Generate("k2");
    }

    [TearDown]
    public void DisposeKeys()
    {
        _key.Dispose();
        _otherKey.Dispose();
    }

    private static JsonObject Sample() => JsonNode.Parse("""
        {"server_name": "a.example", "valid_until_ts": 1700000000000, "nested": {"b": [1, 2, {"c": "日本"}], "a": null}}
        """)!.AsObject();

    private JsonObject SignedSample(string server = "a.example")
    {
        var obj = Sample();
        JsonSignatures.Sign(obj, server, _key);
        return obj;
    }

    private static string SignatureOf(JsonObject obj, string server, string keyId) => (string)obj["signatures"]![server]![keyId]!;

    [Test]
    public void SignedObjectVerifies() =>
        Assert.That(JsonSignatures.Verify(SignedSample(), "a.example", _key.VerifyKey).Status, Is.EqualTo(SignatureStatus.Valid));

    [Test]
    public void SignatureIsStoredUnderServerAndKeyId()
    {
        var obj = SignedSample();
        Assert.That(UnpaddedBase64.Decode(SignatureOf(obj, "a.example", "ed25519:k1")), Has.Length.EqualTo(64));
    }

    [Test]
    public void SignatureDoesNotDependOnKeyOrder()
    {
        var reordered = JsonNode.Parse("""
            {"nested": {"a": null, "b": [1, 2, {"c": "日本"}]}, "valid_until_ts": 1700000000000, "server_name": "a.example"}
            """)!.AsObject();
        Assert.That(JsonSignatures.ComputeSignature(reordered, _key), Is.EqualTo(JsonSignatures.ComputeSignature(Sample(), _key)));
    }

    [Test]
    public void ComputingASignatureLeavesTheObjectUnchanged()
    {
        var obj = Sample();
        obj["unsigned"] = new JsonObject { ["age"] = 5 };
        var before = CanonicalJson.EncodeToString(obj);
        JsonSignatures.ComputeSignature(obj, _key);
        Assert.That(CanonicalJson.EncodeToString(obj), Is.EqualTo(before));
    }

    [Test]
    public void UnsignedIsNotCovered()
    {
        var obj = SignedSample();
        obj["unsigned"] = new JsonObject { ["age"] = 1234 };
        Assert.That(JsonSignatures.Verify(obj, "a.example", _key.VerifyKey).Status, Is.EqualTo(SignatureStatus.Valid));
    }

    [Test]
    public void OtherSignaturesAreNotCovered()
    {
        var obj = SignedSample();
        JsonSignatures.Sign(obj, "b.example", _otherKey);
        Assert.That(JsonSignatures.Verify(obj, "a.example", _key.VerifyKey).Status, Is.EqualTo(SignatureStatus.Valid));
    }

    [Test]
    public void TamperedValueFailsVerification()
    {
        var obj = SignedSample();
        obj["valid_until_ts"] = 1700000000001;
        Assert.That(JsonSignatures.Verify(obj, "a.example", _key.VerifyKey).Status, Is.EqualTo(SignatureStatus.BadSignature));
    }

    [Test]
    public void TamperedNestedValueFailsVerification()
    {
        var obj = SignedSample();
        obj["nested"]!["b"]!.AsArray().Add(3);
        Assert.That(JsonSignatures.Verify(obj, "a.example", _key.VerifyKey).Status, Is.EqualTo(SignatureStatus.BadSignature));
    }

    [Test]
    public void AddedKeyFailsVerification()
    {
        var obj = SignedSample();
        obj["extra"] = true;
        Assert.That(JsonSignatures.Verify(obj, "a.example", _key.VerifyKey).Status, Is.EqualTo(SignatureStatus.BadSignature));
    }

    [Test]
    public void WrongPublicKeyUnderSameKeyIdFailsVerification()
    {
        using var impostor = Ed25519SigningKey.Generate("k1");
        Assert.That(JsonSignatures.Verify(SignedSample(), "a.example", impostor.VerifyKey).Status, Is.EqualTo(SignatureStatus.BadSignature));
    }

    [Test]
    public void KeyIdTheServerDidNotSignWithIsReported()
    {
        var check = JsonSignatures.Verify(SignedSample(), "a.example", _otherKey.VerifyKey);
        Assert.That(check.Status, Is.EqualTo(SignatureStatus.NoSignatureWithKeyId));
        Assert.That(check.Detail, Does.Contain("ed25519:k1"));
    }

    [Test]
    public void ServerThatDidNotSignIsReported() =>
        Assert.That(JsonSignatures.Verify(SignedSample(), "b.example", _key.VerifyKey).Status, Is.EqualTo(SignatureStatus.NoSignatureFromServer));

    [Test]
    public void UnsignedObjectIsReported() =>
        Assert.That(JsonSignatures.Verify(Sample(), "a.example", _key.VerifyKey).Status, Is.EqualTo(SignatureStatus.NoSignatureFromServer));

    [Test]
    public void TruncatedSignatureIsMalformed()
    {
        var obj = SignedSample();
        obj["signatures"]!["a.example"]!["ed25519:k1"] = SignatureOf(obj, "a.example", "ed25519:k1")[..80];
        Assert.That(JsonSignatures.Verify(obj, "a.example", _key.VerifyKey).Status, Is.EqualTo(SignatureStatus.MalformedSignature));
    }

    [Test]
    public void SignatureWithImpossibleBase64LengthIsMalformed()
    {
        var obj = SignedSample();
        obj["signatures"]!["a.example"]!["ed25519:k1"] = SignatureOf(obj, "a.example", "ed25519:k1")[..85];
        Assert.That(JsonSignatures.Verify(obj, "a.example", _key.VerifyKey).Status, Is.EqualTo(SignatureStatus.MalformedSignature));
    }

    [Test]
    public void SignatureWithInvalidCharactersIsMalformed()
    {
        var obj = SignedSample();
        obj["signatures"]!["a.example"]!["ed25519:k1"] = "!!" + SignatureOf(obj, "a.example", "ed25519:k1")[2..];
        Assert.That(JsonSignatures.Verify(obj, "a.example", _key.VerifyKey).Status, Is.EqualTo(SignatureStatus.MalformedSignature));
    }

    [TestCase("""{"signatures": []}""", TestName = "SignaturesThatAreNotAnObjectAreMalformed")]
    [TestCase("""{"signatures": {"a.example": "x"}}""", TestName = "ServerEntryThatIsNotAnObjectIsMalformed")]
    [TestCase("""{"signatures": {"a.example": {"ed25519:k1": 7}}}""", TestName = "SignatureThatIsNotAStringIsMalformed")]
    public void MalformedSignatureShape(string json)
    {
        var obj = JsonNode.Parse(json)!.AsObject();
        Assert.That(JsonSignatures.Verify(obj, "a.example", _key.VerifyKey).Status, Is.EqualTo(SignatureStatus.MalformedSignature));
    }

    [Test]
    public void UnencodableObjectIsReportedNotThrown()
    {
        var obj = Sample();
        JsonSignatures.AddSignature(obj, "a.example", _key.KeyId, UnpaddedBase64.Encode(new byte[64]));
        obj["bad"] = "\ud800";
        Assert.That(JsonSignatures.Verify(obj, "a.example", _key.VerifyKey).Status, Is.EqualTo(SignatureStatus.NotCanonicalJson));
    }

    [Test]
    public void ServerCanSignWithSeveralKeys()
    {
        using var second = Ed25519SigningKey.Generate("k2");
        var obj = SignedSample();
        JsonSignatures.Sign(obj, "a.example", second);
        Assert.Multiple(() =>
        {
            Assert.That(obj["signatures"]!["a.example"]!.AsObject(), Has.Count.EqualTo(2));
            Assert.That(JsonSignatures.Verify(obj, "a.example", _key.VerifyKey).IsValid, Is.True);
            Assert.That(JsonSignatures.Verify(obj, "a.example", second.VerifyKey).IsValid, Is.True);
        });
    }

    [Test]
    public void SeveralServersCanSign()
    {
        var obj = SignedSample("a.example");
        JsonSignatures.Sign(obj, "b.example", _otherKey);
        Assert.Multiple(() =>
        {
            Assert.That(obj["signatures"]!.AsObject(), Has.Count.EqualTo(2));
            Assert.That(JsonSignatures.Verify(obj, "a.example", _key.VerifyKey).IsValid, Is.True);
            Assert.That(JsonSignatures.Verify(obj, "b.example", _otherKey.VerifyKey).IsValid, Is.True);
        });
    }

    [Test]
    public void ResigningReplacesOnlyTheSameKeysSignature()
    {
        var obj = SignedSample();
        JsonSignatures.Sign(obj, "b.example", _otherKey);
        obj["valid_until_ts"] = 1;
        JsonSignatures.Sign(obj, "a.example", _key);
        Assert.Multiple(() =>
        {
            Assert.That(JsonSignatures.Verify(obj, "a.example", _key.VerifyKey).IsValid, Is.True);
            Assert.That(JsonSignatures.Verify(obj, "b.example", _otherKey.VerifyKey).Status, Is.EqualTo(SignatureStatus.BadSignature));
        });
    }

    [Test]
    public void SigningIntoMalformedSignaturesThrowsTypedError()
    {
        var obj = JsonNode.Parse("""{"signatures": "nope"}""")!.AsObject();
        Assert.Throws<SignatureFormatException>(() => JsonSignatures.Sign(obj, "a.example", _key));
    }
}
