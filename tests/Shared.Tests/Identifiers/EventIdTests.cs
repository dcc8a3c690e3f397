using Cluster.Shared.Identifiers;
using Cluster.Shared.RoomVersions;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.Identifiers;

/// <summary>Appendix "Event IDs" and the room versions' event ID formats.</summary>
public class EventIdTests
{
    /// <summary>Room version 3's example: standard Base64, with a '/'.</summary>
    private const string V3ClientExample = "$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk";
    /// <summary>Room version 3's example from the server section: letters and digits only.</summary>
    private const string V3ServerExample = "$CD66HAED5npg6074c6pDtLKalHjVfYb2q4Q3LZgrW6o";
    /// <summary>Room version 4's example: URL-safe Base64, with '-' and '_'.</summary>
    private const string V4Example = "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg";
    private const string Domain = ":example.org";

    [TestCase("$randomstring:example.org", true, false, false, TestName = "Spec example: $randomstring:example.org (v1-2)")]
    [TestCase("$0:domain", true, false, false)]
    [TestCase("$1234567890abc:matrix.org:8448", true, false, false)]
    [TestCase("$évènement:example.org", true, false, false)]
    [TestCase(V3ClientExample, false, true, false, TestName = "Spec example: v3 event ID with '/'")]
    [TestCase(V3ServerExample, false, true, true, TestName = "Spec example: v3 event ID of letters and digits")]
    [TestCase(V4Example, false, false, true, TestName = "Spec example: v4 event ID with '-' and '_'")]
    [TestCase("$+++++++++++++++++++++++++++++++++++++++++AA", false, true, false)]
    [TestCase("$__________________________________________w", false, false, true)]
    public void AcceptsEventIdInTheFormsOfItsRoomVersions(string text, bool v1Format, bool v2Format, bool v3Format)
    {
        Assert.That(EventId.TryParse(text, out var id, out var error), Is.True, error.Describe());
        Assert.Multiple(() =>
        {
            Assert.That(id.ToString(), Is.EqualTo(text));
            Assert.That(id.HasDomain, Is.EqualTo(v1Format));
            Assert.That(id.IsValidFor(EventFormat.V1), Is.EqualTo(v1Format));
            Assert.That(id.IsValidFor(EventFormat.V2), Is.EqualTo(v2Format));
            Assert.That(id.IsValidFor(EventFormat.V3), Is.EqualTo(v3Format));
        });
    }

    public static IEnumerable<TestCaseData> InvalidEventIds()
    {
        yield return new TestCaseData(null, IdentifierError.Null);
        yield return new TestCaseData("", IdentifierError.Empty);
        yield return new TestCaseData(V4Example[1..], IdentifierError.MissingSigil);
        yield return new TestCaseData("!" + V4Example[1..], IdentifierError.MissingSigil);
        yield return new TestCaseData("$", IdentifierError.InvalidHash);
        yield return new TestCaseData("$create", IdentifierError.InvalidHash).SetName("No domain and not a hash");
        yield return new TestCaseData(V4Example[..^1], IdentifierError.InvalidHash).SetName("Hash of 42 characters");
        yield return new TestCaseData(V4Example + "A", IdentifierError.InvalidHash).SetName("Hash of 44 characters");
        yield return new TestCaseData(V4Example + "=", IdentifierError.InvalidHash).SetName("Padded hash");
        yield return new TestCaseData("$+-" + V3ServerExample[3..], IdentifierError.InvalidHash).SetName("Hash mixing both alphabets");
        yield return new TestCaseData(V4Example[..^1] + "h", IdentifierError.InvalidHash).SetName("Hash with nonzero padding bits");
        yield return new TestCaseData(V4Example[..^1] + "-", IdentifierError.InvalidHash).SetName("Hash ending in '-'");
        yield return new TestCaseData("$" + new string('A', 41) + "é" + "A", IdentifierError.InvalidHash).SetName("Unicode in hash");
        yield return new TestCaseData("$ev\0:example.org", IdentifierError.ContainsNul);
        yield return new TestCaseData("$\udfff:example.org", IdentifierError.InvalidUnicode);
        yield return new TestCaseData("$ev:", IdentifierError.EmptyHostname);
        yield return new TestCaseData("$ev:example.org:65536", IdentifierError.PortOutOfRange);
        yield return new TestCaseData("$" + new string('e', 255 - Domain.Length) + Domain, IdentifierError.TooLong).SetName("Event ID of 256 bytes");
    }

    [TestCaseSource(nameof(InvalidEventIds))]
    public void RejectsInvalidEventId(string? text, IdentifierError expected)
    {
        Assert.That(EventId.TryParse(text, out var id, out var error), Is.False);
        Assert.Multiple(() =>
        {
            Assert.That(error, Is.EqualTo(expected));
            Assert.That(id, Is.EqualTo(default(EventId)));
        });
    }

    [Test]
    public void EventIdOfExactly255BytesIsValid() =>
        Assert.That(EventId.TryParse("$" + new string('e', 255 - 1 - Domain.Length) + Domain, out _), Is.True);

    [Test]
    public void RoomVersionsOneAndTwoTakeServerGeneratedIds()
    {
        var id = EventId.Parse("$abc:example.org");
        Assert.That(Versions.All.Where(id.IsValidFor).Select(v => v.Id), Is.EqualTo(new[] { "1", "2" }));
    }

    [Test]
    public void RoomVersionThreeTakesStandardBase64Hashes()
    {
        var id = EventId.Parse(V3ClientExample);
        Assert.That(Versions.All.Where(id.IsValidFor).Select(v => v.Id), Is.EqualTo(new[] { "3" }));
    }

    [Test]
    public void RoomVersionsFourOnTakeUrlSafeHashes()
    {
        var id = EventId.Parse(V4Example);
        Assert.That(Versions.All.Where(id.IsValidFor).Select(v => v.Id),
            Is.EqualTo(new[] { "4", "5", "6", "7", "8", "9", "10", "11", "12" }));
    }

    [Test]
    public void ParseForFormatAcceptsMatchingForm() =>
        Assert.That(EventId.TryParse(V4Example, EventFormat.V3, out var id, out _) && id.ToString() == V4Example, Is.True);

    [TestCase(V4Example, EventFormat.V2, IdentifierError.WrongEventIdFormat, TestName = "URL-safe hash in a v3 room")]
    [TestCase(V3ClientExample, EventFormat.V3, IdentifierError.WrongEventIdFormat, TestName = "Standard hash in a v4+ room")]
    [TestCase(V4Example, EventFormat.V1, IdentifierError.WrongEventIdFormat, TestName = "Hash in a v1 room")]
    [TestCase("$abc:example.org", EventFormat.V3, IdentifierError.WrongEventIdFormat, TestName = "Server-generated ID in a v4+ room")]
    [TestCase("$abc", EventFormat.V1, IdentifierError.MissingServerName, TestName = "Short ID without domain in a v1 room")]
    [TestCase("$abc", EventFormat.V3, IdentifierError.InvalidHash, TestName = "Short ID without domain in a v4+ room")]
    [TestCase(null, EventFormat.V3, IdentifierError.Null)]
    public void ParseForFormatRejectsOtherForms(string? text, EventFormat format, IdentifierError expected)
    {
        Assert.That(EventId.TryParse(text, format, out var id, out var error), Is.False);
        Assert.Multiple(() =>
        {
            Assert.That(error, Is.EqualTo(expected));
            Assert.That(id, Is.EqualTo(default(EventId)));
        });
    }

    [Test]
    public void ParseForFormatThrowsTypedException()
    {
        var ex = Assert.Throws<InvalidIdentifierException>(() => EventId.Parse(V3ClientExample, Versions.V12.EventFormat));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(IdentifierKind.EventId));
            Assert.That(ex.Error, Is.EqualTo(IdentifierError.WrongEventIdFormat));
        });
    }

    [Test]
    public void ServerGeneratedIdExposesItsServerName() =>
        Assert.That(EventId.Parse("$abc:example.org:8448").ServerName, Is.EqualTo(ServerName.Parse("example.org:8448")));

    [Test]
    public void HashIdHasNoServerName() => Assert.That(EventId.Parse(V4Example).ServerName, Is.Null);

    [Test]
    public void EventIdsAreCaseSensitive() =>
        Assert.That(EventId.Parse("$abc:example.org"), Is.Not.EqualTo(EventId.Parse("$ABC:example.org")));

    [Test]
    public void EqualByValue()
    {
        var a = EventId.Parse(string.Concat("$", V4Example[1..]));
        var b = EventId.Parse(new string(V4Example.ToCharArray()));
        Assert.That(a == b, Is.True);
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
    }

    [Test]
    public void DefaultIsValidForNoFormat()
    {
        var id = default(EventId);
        Assert.That(Enum.GetValues<EventFormat>().Any(id.IsValidFor), Is.False);
        Assert.That(id.ToString(), Is.Empty);
    }
}
