using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Tests.Auth;

/// <summary>How each room version reads one power level value.</summary>
public class PowerLevelValueTests
{
    private static readonly RoomVersion V5 = RoomVersions.RoomVersions.V5;
    private static readonly RoomVersion V9 = RoomVersions.RoomVersions.V9;
    private static readonly RoomVersion V10 = RoomVersions.RoomVersions.V10;

    private static long? Read(string json, RoomVersion version) =>
        PowerLevelValue.TryRead(JsonNode.Parse(json), version, out var level) ? level : null;

    [TestCase("100", 100)]
    [TestCase("-5", -5)]
    [TestCase("0", 0)]
    [TestCase("9007199254740991", 9007199254740991)]
    public void IntegersAreLevelsInEveryVersion(string json, long expected)
    {
        foreach (var version in RoomVersions.RoomVersions.All)
            Assert.That(Read(json, version), Is.EqualTo(expected), $"v{version.Id}");
    }

    [TestCase("\"100\"", 100)]
    [TestCase("\"000100\"", 100)]
    [TestCase("\"+100\"", 100)]
    [TestCase("\"-100\"", -100)]
    [TestCase("\" 100 \"", 100)]
    [TestCase("\"\\t-0042\\n\"", -42)]
    public void IntegerStringsAreLevelsBeforeV10(string json, long expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Read(json, V9), Is.EqualTo(expected));
            Assert.That(Read(json, V10), Is.Null);
        });
    }

    [TestCase("\"\"")]
    [TestCase("\" \"")]
    [TestCase("\"+\"")]
    [TestCase("\"+-1\"")]
    [TestCase("\"1.5\"")]
    [TestCase("\"1e3\"")]
    [TestCase("\"10 0\"")]
    [TestCase("\"0x10\"")]
    [TestCase("\"１２\"")]
    public void MalformedStringsAreNotLevels(string json) => Assert.That(Read(json, V9), Is.Null);

    [TestCase("true")]
    [TestCase("null")]
    [TestCase("[1]")]
    [TestCase("{\"level\":1}")]
    public void OtherJsonIsNotALevel(string json) => Assert.That(Read(json, V5), Is.Null);

    [TestCase("50.9", 50)]
    [TestCase("-50.9", -50)]
    [TestCase("5.114698E4", 51146)]
    public void FloatsAreTruncatedInV1ToV5(string json, long expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Read(json, V5), Is.EqualTo(expected));
            Assert.That(Read(json, RoomVersions.RoomVersions.V6), Is.Null);
        });
    }

    [Test]
    public void HugeStringsSaturate() =>
        Assert.That(Read("\"99999999999999999999999\"", V9), Is.EqualTo(long.MaxValue));

    [Test]
    public void ValuesBeyondTheCanonicalRangeAreNotLevelsFromV6()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Read("9007199254740992", V10), Is.Null);
            Assert.That(Read("9007199254740992", V5), Is.EqualTo(9007199254740992));
        });
    }

    [Test]
    public void ConstructedNumbersReadLikeParsedOnes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(PowerLevelValue.TryRead(JsonValue.Create(42), V10, out var i) ? i : (long?)null, Is.EqualTo(42));
            Assert.That(PowerLevelValue.TryRead(JsonValue.Create(42L), V10, out var l) ? l : (long?)null, Is.EqualTo(42));
            Assert.That(PowerLevelValue.TryRead(JsonValue.Create(42.5), V10, out _), Is.False);
            Assert.That(PowerLevelValue.TryRead(JsonValue.Create(42.5), V5, out var d) ? d : (long?)null, Is.EqualTo(42));
        });
    }
}
