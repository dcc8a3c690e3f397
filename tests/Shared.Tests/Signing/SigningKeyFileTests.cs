using System.Runtime.Versioning;
using Cluster.Shared.Signing;
using Cluster.Shared.Tests.Support;

namespace Cluster.Shared.Tests.Signing;

public class SigningKeyFileTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("signing-key-file-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private static void DisposeAll(IEnumerable<Ed25519SigningKey> keys)
    {
        foreach (var key in keys) key.Dispose();
    }

    [Test]
    public void ReadsSynapseFormat()
    {
        // The seed from the spec's test vectors, as Synapse would write it for key version "1".
        var vectors = SpecVectors.Load()["signing_key"]!;
        var keys = SigningKeyFile.Parse($"ed25519 1 {(string)vectors["seed_unpadded_base64"]!}\n");
        try
        {
            Assert.That(keys, Has.Count.EqualTo(1));
            Assert.That(keys[0].KeyId.ToString(), Is.EqualTo("ed25519:1"));
            Assert.That(keys[0].PublicKeyBase64, Is.EqualTo((string)vectors["public_key_unpadded_base64"]!));
        }
        finally { DisposeAll(keys); }
    }

    [Test]
    public void WritesOneSynapseLinePerKey()
    {
        using var a = Ed25519SigningKey.FromSeed("a_AbCd", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        using var b = Ed25519SigningKey.FromSeed("old_1", Enumerable.Repeat((byte)0xFF, 32).ToArray());
        Assert.That(SigningKeyFile.Format([a, b]), Is.EqualTo(
            "ed25519 a_AbCd AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n" +
            "ed25519 old_1 //////////////////////////////////////////8\n"));
    }

    [Test]
    public void WriteThenReadGivesTheSameKeys()
    {
        using var a = Ed25519SigningKey.Generate("a_1");
        using var b = Ed25519SigningKey.Generate("a_2");
        var path = Path.Combine(_dir, "signing.key");
        SigningKeyFile.Write(path, [a, b]);
        var read = SigningKeyFile.Read(path);
        try
        {
            Assert.That(read.Select(k => k.KeyId.ToString()), Is.EqualTo(new[] { "ed25519:a_1", "ed25519:a_2" }));
            Assert.That(read.Select(k => k.PublicKeyBase64), Is.EqualTo(new[] { a.PublicKeyBase64, b.PublicKeyBase64 }));
            Assert.That(read[0].Sign("m"u8), Is.EqualTo(a.Sign("m"u8)));
        }
        finally { DisposeAll(read); }
    }

    [Test, Platform(Exclude = "Win"), UnsupportedOSPlatform("windows")]
    public void WrittenFileIsReadableByOwnerOnly()
    {
        using var key = Ed25519SigningKey.Generate("1");
        var path = Path.Combine(_dir, "signing.key");
        SigningKeyFile.Write(path, [key]);
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test, Platform(Exclude = "Win"), UnsupportedOSPlatform("windows")]
    public void OverwrittenFileBecomesOwnerOnly()
    {
        var path = Path.Combine(_dir, "signing.key");
        File.WriteAllText(path, "");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using var key = Ed25519SigningKey.Generate("1");
        SigningKeyFile.Write(path, [key]);
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "no temporary file is left behind");
    }

    [Test]
    public void BlankLinesAndSurroundingWhitespaceAreTolerated()
    {
        using var key = Ed25519SigningKey.Generate("v");
        var line = SigningKeyFile.Format([key]).TrimEnd('\n');
        var keys = SigningKeyFile.Parse($"\n   \r\n  {line}  \r\n\n");
        try
        {
            Assert.That(keys.Single().PublicKeyBase64, Is.EqualTo(key.PublicKeyBase64));
        }
        finally { DisposeAll(keys); }
    }

    [Test]
    public void EmptyFileHasNoKeys() => Assert.That(SigningKeyFile.Parse(""), Is.Empty);

    [Test]
    public void PaddedSeedIsAccepted()
    {
        var keys = SigningKeyFile.Parse("ed25519 1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
        try { Assert.That(keys, Has.Count.EqualTo(1)); }
        finally { DisposeAll(keys); }
    }

    private const string GoodLine = "ed25519 a_1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

    [TestCase("ed25519 a_1", "field", TestName = "LineWithTooFewFieldsIsRejected")]
    [TestCase(GoodLine + " extra", "field", TestName = "LineWithTooManyFieldsIsRejected")]
    [TestCase("rsa a_1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "algorithm", TestName = "UnknownAlgorithmIsRejected")]
    [TestCase("ed25519 a-1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "version", TestName = "InvalidVersionIsRejected")]
    [TestCase("ed25519 a_1 AAECAwQFBgcICQoLDA0ODxAREh*UFRYXGBkaGxwdHh8", "Base64", TestName = "SeedThatIsNotBase64IsRejected")]
    [TestCase("ed25519 a_1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg", "bytes", TestName = "ShortSeedIsRejected")]
    public void MalformedLineIsRejectedWithItsNumber(string badLine, string mentioned)
    {
        var text = $"{GoodLine.Replace("a_1", "a_0")}\n\n{badLine}\n";
        var error = Assert.Throws<SigningKeyFileException>(() => SigningKeyFile.Parse(text, "keys.txt"))!;
        Assert.That(error.LineNumber, Is.EqualTo(3));
        Assert.That(error.Message, Does.StartWith("keys.txt, line 3:").And.Contain(mentioned));
    }

    [Test]
    public void DuplicateVersionIsRejected()
    {
        var error = Assert.Throws<SigningKeyFileException>(() => SigningKeyFile.Parse($"{GoodLine}\n{GoodLine}\n"))!;
        Assert.That(error.LineNumber, Is.EqualTo(2));
        Assert.That(error.Message, Does.Contain("a_1"));
    }

    [Test]
    public void MissingFileIsATypedError()
    {
        var error = Assert.Throws<SigningKeyFileException>(() => SigningKeyFile.Read(Path.Combine(_dir, "absent.key")))!;
        Assert.That(error.LineNumber, Is.Zero);
    }

    [Test]
    public void UnwritableLocationIsATypedError()
    {
        using var key = Ed25519SigningKey.Generate("1");
        var error = Assert.Throws<SigningKeyFileException>(() => SigningKeyFile.Write(Path.Combine(_dir, "missing", "signing.key"), [key]))!;
        Assert.That(error.Message, Does.Contain("cannot be written"));
    }
}
