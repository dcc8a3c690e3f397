using System.Globalization;
using System.Numerics;
using System.Text;
using Cluster.Shared.Json;
using CsCheck;

namespace Cluster.Shared.Tests.Json;

/// <summary>The strict reader's number rules, checked on random numbers placed at random in a document.</summary>
public class StrictJsonPropertyTests
{
    private static readonly BigInteger Limit = (BigInteger.One << 53) - 1;

    /// <summary>Integers written as JSON integers but outside [-(2^53)+1, 2^53-1], up to 40 digits.</summary>
    private static readonly Gen<string> OutOfRangeInteger =
        Gen.Select(Gen.Bool, Gen.Int[0, 40], Gen.ULong).Select((negative, extraDigits, low) =>
        {
            var magnitude = Limit + 1 + new BigInteger(low) * BigInteger.Pow(10, extraDigits);
            return (negative ? -magnitude : magnitude).ToString(CultureInfo.InvariantCulture);
        });

    /// <summary>Numbers with a fraction or an exponent, including ones whose value is a whole number.</summary>
    private static readonly Gen<string> FloatLiteral =
        Gen.Select(Gen.Bool, Gen.Long[0, 1_000_000], Gen.Int[0, 999], Gen.Int[-20, 20], Gen.Int[0, 3])
            .Select((negative, whole, fraction, exponent, form) => (negative ? "-" : "") + form switch
            {
                0 => $"{whole}.{fraction}",
                1 => $"{whole}e{exponent}",
                2 => $"{whole}.{fraction}E{(exponent >= 0 ? "+" : "")}{exponent}",
                _ => $"{whole}.0",
            });

    private static readonly Gen<string> SafeIntegerLiteral =
        JsonGenerators.SafeInteger.Select(l => l.ToString(CultureInfo.InvariantCulture));

    [Test]
    public void FloatsAreRefusedInStrictMode() =>
        Gen.Select(FloatLiteral, Gen.Int[0, 3]).Sample((number, position) =>
            Assert.That(StrictReason(Embed(number, position)), Is.EqualTo(InvalidJsonReason.FloatNotAllowed)), iter: 2000);

    [Test]
    public void OutOfRangeIntegersAreRefusedInStrictMode() =>
        Gen.Select(OutOfRangeInteger, Gen.Int[0, 3]).Sample((number, position) =>
            Assert.That(StrictReason(Embed(number, position)), Is.EqualTo(InvalidJsonReason.NumberOutOfRange)), iter: 2000);

    [Test]
    public void SafeIntegersAreAcceptedInStrictModeAndKeepTheirValue() =>
        Gen.Select(SafeIntegerLiteral, Gen.Int[0, 3]).Sample((number, position) =>
        {
            var json = Embed(number, position);
            var canonical = CanonicalJson.Encode(StrictJson.Parse(json, StrictJsonOptions.StrictCanonical));
            Assert.That(Encoding.UTF8.GetString(canonical), Does.Contain(number));
        }, iter: 2000);

    [Test]
    public void EveryNumberIsAcceptedInRelaxedMode() =>
        Gen.Select(Gen.OneOf(FloatLiteral, OutOfRangeInteger, SafeIntegerLiteral), Gen.Int[0, 3]).Sample((number, position) =>
            Assert.That(() => StrictJson.Parse(Embed(number, position)), Throws.Nothing), iter: 2000);

    private static InvalidJsonReason StrictReason(byte[] json) =>
        Assert.Throws<InvalidJsonException>(() => StrictJson.Parse(json, StrictJsonOptions.StrictCanonical))!.Reason;

    /// <summary>Puts the number at the top level of an object, in an array, deep inside, or among other keys.</summary>
    private static byte[] Embed(string number, int position) => Encoding.UTF8.GetBytes(position switch
    {
        0 => $"{{\"n\":{number}}}",
        1 => $"{{\"a\":[1,2,{number}]}}",
        2 => $"{{\"a\":{{\"b\":{{\"c\":[{{\"d\":{number}}}]}}}}}}",
        _ => $"{{\"z\":\"x\",\"n\":{number},\"a\":true}}",
    });
}
