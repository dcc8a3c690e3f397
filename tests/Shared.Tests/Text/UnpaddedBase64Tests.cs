using System.Text;
using Cluster.Shared.Tests.Support;
using Cluster.Shared.Text;
using CsCheck;

namespace Cluster.Shared.Tests.Text;

/// <summary>Unpadded Base64 per the spec appendix and RFC 4648.</summary>
public class UnpaddedBase64Tests
{
    // RFC 4648 section 10 test vectors, which the spec repeats without padding.
    [TestCase("", "")]
    [TestCase("f", "Zg")]
    [TestCase("fo", "Zm8")]
    [TestCase("foo", "Zm9v")]
    [TestCase("foob", "Zm9vYg")]
    [TestCase("fooba", "Zm9vYmE")]
    [TestCase("foobar", "Zm9vYmFy")]
    public void EncodesRfc4648VectorsWithoutPadding(string text, string expected) =>
        Assert.That(UnpaddedBase64.Encode(Encoding.ASCII.GetBytes(text)), Is.EqualTo(expected));

    [TestCase("", "")]
    [TestCase("Zg", "f")]
    [TestCase("Zm8", "fo")]
    [TestCase("Zm9v", "foo")]
    [TestCase("Zm9vYg", "foob")]
    [TestCase("Zm9vYmE", "fooba")]
    [TestCase("Zm9vYmFy", "foobar")]
    public void DecodesRfc4648VectorsWithoutPadding(string encoded, string expected) =>
        Assert.That(Encoding.ASCII.GetString(UnpaddedBase64.Decode(encoded)), Is.EqualTo(expected));

    [TestCase("Zg==", "f")]
    [TestCase("Zm8=", "fo")]
    [TestCase("Zm9vYg==", "foob")]
    [TestCase("Zm9vYmE=", "fooba")]
    public void AcceptsCorrectlyPaddedInput(string encoded, string expected) =>
        Assert.That(Encoding.ASCII.GetString(UnpaddedBase64.Decode(encoded)), Is.EqualTo(expected));

    [Test]
    public void UrlSafeUsesMinusAndUnderscore()
    {
        byte[] data = [0xFB, 0xFF, 0xBF];
        Assert.That(UnpaddedBase64.Encode(data), Is.EqualTo("+/+/"));
        Assert.That(UnpaddedBase64.EncodeUrlSafe(data), Is.EqualTo("-_-_"));
        Assert.That(UnpaddedBase64.Encode(data, Base64Alphabet.UrlSafe), Is.EqualTo("-_-_"));
    }

    [Test]
    public void UrlSafeEncodingIsUnpadded() => Assert.That(UnpaddedBase64.EncodeUrlSafe([0xFF]), Is.EqualTo("_w"));

    [TestCase("+/+/")]
    [TestCase("-_-_")]
    public void EitherAlphabetDecodesWhenNoneIsRequired(string encoded) =>
        Assert.That(UnpaddedBase64.Decode(encoded), Is.EqualTo(new byte[] { 0xFB, 0xFF, 0xBF }));

    [TestCase("+/-_", TestName = "MixedAlphabetsAreRefused")]
    [TestCase("ab+_", TestName = "PlusWithUnderscoreIsRefused")]
    [TestCase("ab-/", TestName = "MinusWithSlashIsRefused")]
    public void MixedAlphabetsAreRefused(string encoded) =>
        Assert.That(UnpaddedBase64.TryDecode(encoded, out _), Is.False);

    [Test]
    public void RequiredAlphabetRefusesTheOther()
    {
        Assert.That(UnpaddedBase64.TryDecode("-_-_", Base64Alphabet.Standard, out _), Is.False);
        Assert.That(UnpaddedBase64.TryDecode("+/+/", Base64Alphabet.UrlSafe, out _), Is.False);
        Assert.That(UnpaddedBase64.TryDecode("-_-_", Base64Alphabet.UrlSafe, out var bytes), Is.True);
        Assert.That(bytes, Is.EqualTo(new byte[] { 0xFB, 0xFF, 0xBF }));
        Assert.That(UnpaddedBase64.TryDecode("Zm9v", Base64Alphabet.UrlSafe, out _), Is.True, "text common to both alphabets");
    }

    [TestCase("Z", TestName = "SingleCharacterIsRefused")]
    [TestCase("Zm9vY", TestName = "LengthOfFourNPlusOneIsRefused")]
    [TestCase("Zg=", TestName = "PartialPaddingIsRefused")]
    [TestCase("Zg===", TestName = "ThreePaddingCharactersAreRefused")]
    [TestCase("Zm9v=", TestName = "PaddingWhereNoneBelongsIsRefused")]
    [TestCase("=", TestName = "PaddingAloneIsRefused")]
    [TestCase("Zg==Zg==", TestName = "PaddingInTheMiddleIsRefused")]
    [TestCase("Zm 9v", TestName = "SpaceIsRefused")]
    [TestCase("Zm9v\n", TestName = "NewlineIsRefused")]
    [TestCase("Zm9v!", TestName = "PunctuationIsRefused")]
    [TestCase("Zm9\u00e9", TestName = "NonAsciiIsRefused")]
    public void MalformedInputIsRefused(string encoded)
    {
        Assert.That(UnpaddedBase64.TryDecode(encoded, out var bytes), Is.False);
        Assert.That(bytes, Is.Empty);
        Assert.Throws<FormatException>(() => UnpaddedBase64.Decode(encoded));
    }

    [TestCase("Zh", "f", TestName = "LeftoverBitsAfterTwoCharactersAreIgnored")]
    [TestCase("Zm9", "fo", TestName = "LeftoverBitsAfterThreeCharactersAreIgnored")]
    public void NonZeroLeftoverBitsAreIgnored(string encoded, string expected) =>
        Assert.That(Encoding.ASCII.GetString(UnpaddedBase64.Decode(encoded)), Is.EqualTo(expected));

    [Test]
    public void SpecExampleSigningKeySeedDecodes()
    {
        // The appendix's seed ends in '1', whose low bits are not zero: strict decoders refuse it.
        var seedText = SpecVectors.Load()["signing_key"]!["seed_unpadded_base64"]!.GetValue<string>();
        Assert.That(UnpaddedBase64.TryDecode(seedText, out var seed), Is.True);
        Assert.That(seed, Has.Length.EqualTo(32));
        Assert.That(UnpaddedBase64.Encode(seed), Is.EqualTo(seedText[..^1] + "0"), "re-encoding clears the leftover bits");
    }

    [Test]
    public void SpecExamplePublicKeyRoundTrips()
    {
        var keyText = SpecVectors.Load()["signing_key"]!["public_key_unpadded_base64"]!.GetValue<string>();
        Assert.That(UnpaddedBase64.Encode(UnpaddedBase64.Decode(keyText)), Is.EqualTo(keyText));
    }

    [Test]
    public void NullIsRefused() => Assert.That(UnpaddedBase64.TryDecode(null, out _), Is.False);

    [Test]
    public void StandardRoundTrips() =>
        Gen.Byte.Array[0, 700].Sample(data =>
        {
            var encoded = UnpaddedBase64.Encode(data);
            Assert.That(encoded, Does.Not.Contain("=").And.Not.Contain("-").And.Not.Contain("_"));
            Assert.That(encoded, Is.EqualTo(Convert.ToBase64String(data).TrimEnd('=')));
            Assert.That(UnpaddedBase64.Decode(encoded), Is.EqualTo(data));
            Assert.That(UnpaddedBase64.Decode(Convert.ToBase64String(data)), Is.EqualTo(data), "padded form");
        }, iter: 2000);

    [Test]
    public void UrlSafeRoundTrips() =>
        Gen.Byte.Array[0, 700].Sample(data =>
        {
            var encoded = UnpaddedBase64.EncodeUrlSafe(data);
            Assert.That(encoded, Does.Not.Contain("=").And.Not.Contain("+").And.Not.Contain("/"));
            Assert.That(encoded, Is.EqualTo(UnpaddedBase64.Encode(data).Replace('+', '-').Replace('/', '_')));
            Assert.That(UnpaddedBase64.TryDecode(encoded, Base64Alphabet.UrlSafe, out var decoded), Is.True);
            Assert.That(decoded, Is.EqualTo(data));
        }, iter: 2000);

    [Test]
    public void ChangingAnyCharacterButTheLastChangesTheBytes() =>
        // Every character but the last carries only data bits (the last may also carry ignored ones).
        Gen.Select(Gen.Byte.Array[2, 40], Gen.Int[0, int.MaxValue], Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"])
            .Sample((data, position, replacement) =>
            {
                var encoded = UnpaddedBase64.Encode(data).ToCharArray();
                var i = position % (encoded.Length - 1);
                if (encoded[i] == replacement) return;
                encoded[i] = replacement;
                if (UnpaddedBase64.TryDecode(new string(encoded), out var decoded))
                    Assert.That(decoded, Is.Not.EqualTo(data));
            }, iter: 2000);
}
