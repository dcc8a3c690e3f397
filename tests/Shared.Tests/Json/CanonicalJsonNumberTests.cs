using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Json;

namespace Cluster.Shared.Tests.Json;

/// <summary>
/// Integers are written as plain digits and -0 as 0. Floats (legal only in room versions 1-5) are
/// written as Synapse writes them, i.e. as Python's float repr; the expected strings below are
/// Python's json.dumps output for the same input.
/// </summary>
public class CanonicalJsonNumberTests
{
    [TestCase("0", "0")]
    [TestCase("-0", "0", TestName = "NegativeZeroIsWrittenAsZero")]
    [TestCase("9007199254740991", "9007199254740991")]
    [TestCase("-9007199254740991", "-9007199254740991")]
    [TestCase("12345678901234567890123", "12345678901234567890123", TestName = "IntegerBeyondInt64KeepsItsDigits")]
    public void IntegerLiteralIsWrittenAsDigits(string json, string expected) => AssertEncodes(json, expected);

    [TestCase("1e10", "10000000000.0", TestName = "ExponentIntegerIsWrittenAsPythonFloat")]
    [TestCase("1E2", "100.0")]
    [TestCase("2.50", "2.5", TestName = "TrailingFractionZerosAreDropped")]
    [TestCase("50.0", "50.0", TestName = "WholeFloatKeepsPointZero")]
    [TestCase("0.1", "0.1")]
    [TestCase("-0.0", "-0.0", TestName = "NegativeZeroFloatKeepsItsSign")]
    [TestCase("0.0001", "0.0001")]
    [TestCase("0.00001", "1e-05", TestName = "SmallFloatUsesExponentWithTwoDigits")]
    [TestCase("1e15", "1000000000000000.0")]
    [TestCase("1e16", "1e+16", TestName = "LargeFloatUsesSignedExponent")]
    [TestCase("1234567890123456.7", "1234567890123456.8", TestName = "FloatIsRoundedToNearestDouble")]
    [TestCase("12345678901234567.0", "1.2345678901234568e+16")]
    [TestCase("1.5e-7", "1.5e-07")]
    [TestCase("5e-324", "5e-324", TestName = "SmallestSubnormal")]
    [TestCase("1.7976931348623157e308", "1.7976931348623157e+308", TestName = "LargestDouble")]
    public void FloatLiteralIsWrittenAsSynapseWritesIt(string json, string expected) => AssertEncodes(json, expected);

    [TestCase(50.0, "50.0")]
    [TestCase(50.57, "50.57")]
    [TestCase(-1e-7, "-1e-07")]
    public void DoubleValueIsWrittenAsSynapseWritesIt(double value, string expected) =>
        Assert.That(CanonicalJson.EncodeToString(JsonValue.Create(value)), Is.EqualTo(expected));

    [TestCase(long.MaxValue, "9223372036854775807")]
    [TestCase(long.MinValue, "-9223372036854775808")]
    [TestCase(0L, "0")]
    public void LongValueIsWrittenAsDigits(long value, string expected) =>
        Assert.That(CanonicalJson.EncodeToString(JsonValue.Create(value)), Is.EqualTo(expected));

    [Test]
    public void OtherClrNumbersAreWrittenAsTheirJson()
    {
        Assert.That(CanonicalJson.EncodeToString(JsonValue.Create(18446744073709551615UL)), Is.EqualTo("18446744073709551615"));
        Assert.That(CanonicalJson.EncodeToString(JsonValue.Create((short)-5)), Is.EqualTo("-5"));
        Assert.That(CanonicalJson.EncodeToString(JsonValue.Create(2.50m)), Is.EqualTo("2.5"));
    }

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void NonFiniteDoubleIsRefused(double value) =>
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonValue.Create(value)));

    [Test]
    public void FloatLiteralBeyondDoubleRangeIsRefused() =>
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonElement.Parse("1e400")));

    [Test]
    public void SpecExampleNegativeZeroBecomesZero() =>
        // The spec's example also turns 1e10 into 10000000000; see CanonicalJson's remarks for why we follow Synapse instead.
        AssertEncodes("{\"a\":-0}", "{\"a\":0}");

    private static void AssertEncodes(string json, string expected)
    {
        Assert.That(CanonicalJson.EncodeToString(JsonNode.Parse(json)), Is.EqualTo(expected), "from JsonNode");
        Assert.That(Encoding.UTF8.GetString(CanonicalJson.Encode(JsonElement.Parse(json))), Is.EqualTo(expected), "from JsonElement");
    }
}
