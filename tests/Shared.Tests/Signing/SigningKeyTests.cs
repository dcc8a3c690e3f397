using Cluster.Shared.Signing;
using Cluster.Shared.Text;

namespace Cluster.Shared.Tests.Signing;

public class SigningKeyTests
{
    [TestCase("1")]
    [TestCase("a_XyZw")]
    [TestCase("auto_0")]
    public void KeyIdRoundTripsThroughText(string version)
    {
        var id = SigningKeyId.Parse("ed25519:" + version);
        Assert.That(id.Algorithm, Is.EqualTo("ed25519"));
        Assert.That(id.Version, Is.EqualTo(version));
        Assert.That(id.ToString(), Is.EqualTo("ed25519:" + version));
    }

    [TestCase("ed25519")]
    [TestCase("ed25519:")]
    [TestCase(":1")]
    [TestCase("ed25519:a-b")]
    [TestCase("ed25519:a:b")]
    [TestCase("ed25519:a b")]
    [TestCase("ed25519:ü")]
    public void MalformedKeyIdIsRejected(string text)
    {
        Assert.That(SigningKeyId.TryParse(text, out _), Is.False);
        Assert.Throws<FormatException>(() => SigningKeyId.Parse(text));
    }

    [Test]
    public void KeyIdWithUnknownAlgorithmParsesButIsNotEd25519()
    {
        Assert.That(SigningKeyId.TryParse("curve448:1", out var id), Is.True);
        Assert.That(id.IsEd25519, Is.False);
    }

    [Test]
    public void NewVersionsAreValidAndDiffer()
    {
        var versions = Enumerable.Range(0, 20).Select(_ => SigningKeyId.NewVersion()).ToList();
        Assert.That(versions, Has.All.Matches<string>(SigningKeyId.IsValidVersion));
        Assert.That(versions.Distinct().Count(), Is.GreaterThan(1));
    }

    [Test]
    public void GeneratedKeysDiffer()
    {
        using var a = Ed25519SigningKey.Generate("a");
        using var b = Ed25519SigningKey.Generate("a");
        Assert.That(a.PublicKeyBase64, Is.Not.EqualTo(b.PublicKeyBase64));
    }

    [Test]
    public void PublicKeyIsUnpaddedBase64Of32Bytes()
    {
        using var key = Ed25519SigningKey.Generate("1");
        Assert.That(key.PublicKeyBase64, Has.Length.EqualTo(43).And.Not.Contain("="));
        Assert.That(UnpaddedBase64.Decode(key.PublicKeyBase64), Has.Length.EqualTo(32));
    }

    [Test]
    public void SeedReloadsTheSameKeyPair()
    {
        using var original = Ed25519SigningKey.Generate("v1");
        using var reloaded = Ed25519SigningKey.FromSeed("v1", original.ExportSeed());
        Assert.That(reloaded.PublicKeyBase64, Is.EqualTo(original.PublicKeyBase64));
        Assert.That(reloaded.Sign("data"u8.ToArray()), Is.EqualTo(original.Sign("data"u8.ToArray())), "Ed25519 is deterministic");
    }

    [TestCase(0)]
    [TestCase(31)]
    [TestCase(33)]
    [TestCase(64)]
    public void SeedOfWrongLengthIsRejected(int length) =>
        Assert.Throws<FormatException>(() => Ed25519SigningKey.FromSeed("1", new byte[length]));

    [Test]
    public void InvalidVersionIsRejectedWhenGenerating() =>
        Assert.Throws<FormatException>(() => Ed25519SigningKey.Generate("not-valid"));

    [Test]
    public void VerifyKeyParsesPublishedForm()
    {
        using var key = Ed25519SigningKey.Generate("abc");
        var parsed = Ed25519VerifyKey.Parse("ed25519:abc", key.PublicKeyBase64);
        Assert.That(parsed.KeyId, Is.EqualTo(key.KeyId));
        Assert.That(parsed.Verify("x"u8, key.Sign("x"u8)), Is.True);
    }

    [TestCase("ed25519:1", "AAAA", TestName = "VerifyKeyOfWrongLengthIsRejected")]
    [TestCase("ed25519:1", "not base64!", TestName = "VerifyKeyThatIsNotBase64IsRejected")]
    [TestCase("curve25519:1", "XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI", TestName = "VerifyKeyOfOtherAlgorithmIsRejected")]
    [TestCase("ed25519", "XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI", TestName = "VerifyKeyWithMalformedIdIsRejected")]
    public void MalformedVerifyKey(string keyId, string publicKey)
    {
        Assert.That(Ed25519VerifyKey.TryParse(keyId, publicKey, out _), Is.False);
        Assert.Throws<FormatException>(() => Ed25519VerifyKey.Parse(keyId, publicKey));
    }

    [Test]
    public void SignatureOfWrongLengthDoesNotVerify()
    {
        using var key = Ed25519SigningKey.Generate("1");
        var signature = key.Sign("x"u8);
        Assert.That(key.VerifyKey.Verify("x"u8, signature.AsSpan(0, 63)), Is.False);
    }
}
