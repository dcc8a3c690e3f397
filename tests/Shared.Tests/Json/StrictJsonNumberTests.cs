using System.Text;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using KnownVersions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.Json;

/// <summary>
/// Room versions 6+ allow only integers in [-(2^53)+1, 2^53-1] without fraction or exponent;
/// versions 1-5 allow any JSON number a double can hold.
/// </summary>
public class StrictJsonNumberTests
{
    private static InvalidJsonReason StrictReasonFor(string number) =>
        Assert.Throws<InvalidJsonException>(() => StrictJson.Parse(Wrap(number), StrictJsonOptions.StrictCanonical))!.Reason;

    private static byte[] Wrap(string number) => Encoding.UTF8.GetBytes($"{{\"n\":[{number}]}}");

    [TestCase("0")]
    [TestCase("-1")]
    [TestCase("9007199254740991", TestName = "LargestSafeIntegerIsAccepted")]
    [TestCase("-9007199254740991", TestName = "SmallestSafeIntegerIsAccepted")]
    [TestCase("-0", TestName = "NegativeZeroIsAcceptedAsZero")]
    public void CanonicalIntegerIsAcceptedInStrictMode(string number) =>
        Assert.That(StrictJson.Parse(Wrap(number), StrictJsonOptions.StrictCanonical), Is.Not.Null);

    [TestCase("1.0", TestName = "WholeNumberWithFractionIsAFloat")]
    [TestCase("1.5")]
    [TestCase("-0.0", TestName = "NegativeZeroWithFractionIsAFloat")]
    [TestCase("1e3", TestName = "ExponentIsAFloat")]
    [TestCase("1E3", TestName = "CapitalExponentIsAFloat")]
    [TestCase("1e+0")]
    [TestCase("10e-1", TestName = "ExponentGivingAnIntegerIsStillAFloat")]
    [TestCase("0e0")]
    public void FloatIsRefusedInStrictMode(string number) =>
        Assert.That(StrictReasonFor(number), Is.EqualTo(InvalidJsonReason.FloatNotAllowed));

    [TestCase("9007199254740992", TestName = "TwoToThe53IsOutOfRange")]
    [TestCase("-9007199254740992", TestName = "MinusTwoToThe53IsOutOfRange")]
    [TestCase("9223372036854775807", TestName = "Int64MaxIsOutOfRange")]
    [TestCase("9223372036854775808", TestName = "BeyondInt64IsOutOfRange")]
    [TestCase("-123456789012345678901234567890", TestName = "HugeNegativeIsOutOfRange")]
    public void IntegerOutsideSafeRangeIsRefusedInStrictMode(string number) =>
        Assert.That(StrictReasonFor(number), Is.EqualTo(InvalidJsonReason.NumberOutOfRange));

    [TestCase("1.5")]
    [TestCase("1e3")]
    [TestCase("9007199254740992")]
    [TestCase("123456789012345678901234567890")]
    [TestCase("1.7976931348623157e308")]
    public void NonCanonicalNumberIsAcceptedInRelaxedMode(string number) =>
        Assert.That(StrictJson.Parse(Wrap(number)), Is.Not.Null);

    [TestCase("1e400")]
    [TestCase("-1e400")]
    public void FloatBeyondDoubleRangeIsRefusedInRelaxedMode(string number)
    {
        var e = Assert.Throws<InvalidJsonException>(() => StrictJson.Parse(Wrap(number)))!;
        Assert.That(e.Reason, Is.EqualTo(InvalidJsonReason.NumberOutOfRange));
    }

    [Test]
    public void NumberRulesFollowTheRoomVersionFlag()
    {
        foreach (var version in KnownVersions.All)
            Assert.That(StrictJsonOptions.For(version).StrictCanonicalNumbers, Is.EqualTo(version.StrictCanonicalJson), version.Id);
    }

    [Test]
    public void NumberViolationsMapToMatrixBadJsonError() =>
        Assert.That(Assert.Throws<InvalidJsonException>(() => StrictJson.Parse(Wrap("1.5"), StrictJsonOptions.StrictCanonical))!
            .MatrixErrorCode, Is.EqualTo("M_BAD_JSON"));
}
