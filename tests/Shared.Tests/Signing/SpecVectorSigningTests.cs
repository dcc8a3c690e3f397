using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Json;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;
using Cluster.Shared.Signing;
using Cluster.Shared.Tests.Support;
using Cluster.Shared.Text;

namespace Cluster.Shared.Tests.Signing;

/// <summary>The spec appendix "Cryptographic Test Vectors", which every implementation must reproduce exactly.</summary>
public class SpecVectorSigningTests
{
    private static readonly JsonObject Vectors = SpecVectors.Load();
    private static JsonObject KeySpec => Vectors["signing_key"]!.AsObject();
    private static string ServerName => (string)KeySpec["server_name"]!;

    private static Ed25519SigningKey SpecKey()
    {
        var keyId = SigningKeyId.Parse((string)KeySpec["key_id"]!);
        return Ed25519SigningKey.FromSeedBase64(keyId.Version, (string)KeySpec["seed_unpadded_base64"]!);
    }

    public static IEnumerable<TestCaseData> JsonSigningCases() =>
        Vectors["json_signing"]!.AsArray().Select((v, i) => new TestCaseData(v!.AsObject()).SetName($"JsonSigningVector{i}"));

    public static IEnumerable<TestCaseData> EventSigningCases() =>
        Vectors["event_signing"]!.AsArray().Select((v, i) => new TestCaseData(v!.AsObject()).SetName($"EventSigningVector{i}"));

    [Test]
    public void SeedGivesSpecPublicKey()
    {
        using var key = SpecKey();
        Assert.That(key.PublicKeyBase64, Is.EqualTo((string)KeySpec["public_key_unpadded_base64"]!));
        Assert.That(key.KeyId.ToString(), Is.EqualTo("ed25519:1"));
    }

    [TestCaseSource(nameof(JsonSigningCases))]
    public void JsonSigningProducesSpecSignature(JsonObject vector)
    {
        using var key = SpecKey();
        var signed = vector["input"]!.DeepClone().AsObject();
        JsonSignatures.Sign(signed, ServerName, key);

        var expected = vector["input"]!.DeepClone().AsObject();
        expected["signatures"] = new JsonObject { [ServerName] = new JsonObject { ["ed25519:1"] = (string)vector["signature"]! } };
        Assert.That(CanonicalJson.EncodeToString(signed), Is.EqualTo(CanonicalJson.EncodeToString(expected)));
    }

    [TestCaseSource(nameof(JsonSigningCases))]
    public void SpecSignedJsonVerifies(JsonObject vector)
    {
        using var key = SpecKey();
        var signed = vector["input"]!.DeepClone().AsObject();
        JsonSignatures.AddSignature(signed, ServerName, key.KeyId, (string)vector["signature"]!);
        Assert.That(JsonSignatures.Verify(signed, ServerName, key.VerifyKey).Status, Is.EqualTo(SignatureStatus.Valid));
    }

    [TestCaseSource(nameof(EventSigningCases))]
    public void EventSigningProducesSpecHashAndSignature(JsonObject vector)
    {
        using var key = SpecKey();
        var evt = vector["input"]!.DeepClone().AsObject();
        EventSigning.HashAndSign(evt, Versions.V1, ServerName, key);

        Assert.That((string?)evt["hashes"]!["sha256"], Is.EqualTo((string)vector["content_hash_sha256"]!));
        Assert.That((string?)evt["signatures"]![ServerName]!["ed25519:1"], Is.EqualTo((string)vector["signature"]!));
    }

    [TestCaseSource(nameof(EventSigningCases))]
    public void EventSigningKeepsEverythingElseAsInput(JsonObject vector)
    {
        using var key = SpecKey();
        var input = vector["input"]!.AsObject();
        var evt = input.DeepClone().AsObject();
        EventSigning.HashAndSign(evt, Versions.V1, ServerName, key);

        // The spec's expected output is the input plus hashes and the signature, unsigned included.
        var expected = input.DeepClone().AsObject();
        expected["hashes"] = new JsonObject { ["sha256"] = (string)vector["content_hash_sha256"]! };
        expected["signatures"] = new JsonObject { [ServerName] = new JsonObject { ["ed25519:1"] = (string)vector["signature"]! } };
        Assert.That(CanonicalJson.EncodeToString(evt), Is.EqualTo(CanonicalJson.EncodeToString(expected)));
    }

    [TestCaseSource(nameof(EventSigningCases))]
    public void SpecSignedEventVerifies(JsonObject vector)
    {
        using var key = SpecKey();
        var evt = vector["input"]!.DeepClone().AsObject();
        evt["hashes"] = new JsonObject { ["sha256"] = (string)vector["content_hash_sha256"]! };
        evt["signatures"] = new JsonObject { [ServerName] = new JsonObject { ["ed25519:1"] = (string)vector["signature"]! } };

        var result = EventSigning.Verify(evt, Versions.V1, ServerName, key.VerifyKey);
        Assert.That(result.Status, Is.EqualTo(EventVerificationStatus.Valid), result.FailedSignature?.ToString());
    }

    [TestCaseSource(nameof(EventSigningCases))]
    public void SpecContentHashIsTheContentHash(JsonObject vector)
    {
        var hash = EventHashing.ComputeContentHash(vector["input"]!.AsObject());
        Assert.That(UnpaddedBase64.Encode(hash), Is.EqualTo((string)vector["content_hash_sha256"]!));
    }
}
