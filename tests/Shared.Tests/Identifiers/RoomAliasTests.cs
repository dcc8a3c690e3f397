using Cluster.Shared.Identifiers;

namespace Cluster.Shared.Tests.Identifiers;

/// <summary>Appendix "Room Aliases": <c>#room_alias:domain</c>, at most 255 bytes.</summary>
public class RoomAliasTests
{
    private const string Domain = ":example.org";

    [TestCase("#room:example.org", "room", "example.org")]
    [TestCase("#matrix:matrix.org", "matrix", "matrix.org")]
    [TestCase("#Room_Alias-1:example.org:8448", "Room_Alias-1", "example.org:8448")]
    [TestCase("#Ünïcödé:example.org", "Ünïcödé", "example.org", TestName = "Unicode alias")]
    [TestCase("#with space & #hash:example.org", "with space & #hash", "example.org", TestName = "Any characters but ':' and NUL")]
    [TestCase("#\U0001F600:[::1]", "\U0001F600", "[::1]", TestName = "Astral code point alias on an IPv6 server")]
    [TestCase("#:example.org", "", "example.org", TestName = "Empty alias (the spec sets no minimum)")]
    public void AcceptsRoomAlias(string text, string alias, string serverName)
    {
        Assert.That(RoomAlias.TryParse(text, out var value, out var error), Is.True, error.Describe());
        Assert.Multiple(() =>
        {
            Assert.That(value.ToString(), Is.EqualTo(text));
            Assert.That(value.Alias, Is.EqualTo(alias));
            Assert.That(value.ServerName, Is.EqualTo(ServerName.Parse(serverName)));
            Assert.That(value.IsFromServer(ServerName.Parse(serverName)), Is.True);
        });
    }

    public static IEnumerable<TestCaseData> InvalidAliases()
    {
        yield return new TestCaseData(null, IdentifierError.Null);
        yield return new TestCaseData("", IdentifierError.Empty);
        yield return new TestCaseData("room:example.org", IdentifierError.MissingSigil);
        yield return new TestCaseData("!room:example.org", IdentifierError.MissingSigil);
        yield return new TestCaseData("#room", IdentifierError.MissingServerName);
        yield return new TestCaseData("#ro\0om:example.org", IdentifierError.ContainsNul);
        yield return new TestCaseData("#\ud83d:example.org", IdentifierError.InvalidUnicode).SetName("Lone high surrogate before ':'");
        yield return new TestCaseData("#room:", IdentifierError.EmptyHostname);
        yield return new TestCaseData("#room:example.org:", IdentifierError.InvalidPort);
        yield return new TestCaseData("#room:[::1]:0", IdentifierError.PortOutOfRange);
        yield return new TestCaseData("#room:exämple.org", IdentifierError.InvalidCharacter);
        yield return new TestCaseData("#" + new string('r', 255 - Domain.Length) + Domain, IdentifierError.TooLong).SetName("Alias of 256 bytes");
    }

    [TestCaseSource(nameof(InvalidAliases))]
    public void RejectsInvalidRoomAlias(string? text, IdentifierError expected)
    {
        Assert.That(RoomAlias.TryParse(text, out var value, out var error), Is.False);
        Assert.Multiple(() =>
        {
            Assert.That(error, Is.EqualTo(expected));
            Assert.That(value, Is.EqualTo(default(RoomAlias)));
        });
    }

    [Test]
    public void AliasOfExactly255BytesIsValid() =>
        Assert.That(RoomAlias.TryParse("#" + new string('r', 255 - 1 - Domain.Length) + Domain, out _), Is.True);

    [Test]
    public void AliasLimitCountsUtf8Bytes()
    {
        // 'Ü' is two bytes: 121 of them and the domain make 255 bytes; one more letter passes the limit.
        Assert.That(RoomAlias.TryParse("#" + new string('Ü', 121) + Domain, out _), Is.True);
        Assert.That(RoomAlias.TryParse("#" + new string('Ü', 121) + "x" + Domain, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(IdentifierError.TooLong));
    }

    [Test]
    public void AliasesAreCaseSensitive() =>
        Assert.That(RoomAlias.Parse("#room:example.org"), Is.Not.EqualTo(RoomAlias.Parse("#Room:example.org")));

    [Test]
    public void EqualByValue()
    {
        var a = RoomAlias.Parse(string.Concat("#room", ":example.org"));
        var b = RoomAlias.Parse(new string("#room:example.org".ToCharArray()));
        Assert.That(a == b, Is.True);
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
    }

    [Test]
    public void ParseThrowsTypedExceptionWithReason()
    {
        var ex = Assert.Throws<InvalidIdentifierException>(() => RoomAlias.Parse("#room"));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(IdentifierKind.RoomAlias));
            Assert.That(ex.Error, Is.EqualTo(IdentifierError.MissingServerName));
            Assert.That(ex.Message, Does.StartWith("Invalid room alias"));
        });
    }
}
