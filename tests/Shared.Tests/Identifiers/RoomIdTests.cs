using System.Security.Cryptography;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Text;

namespace Cluster.Shared.Tests.Identifiers;

/// <summary>Appendix "Room IDs": <c>!opaque_id:domain</c>, or from room version 12 the create event's hash.</summary>
public class RoomIdTests
{
    /// <summary>The example room ID of the v12 PDU definition (room_id_v12.yaml).</summary>
    private const string SpecV12RoomId = "!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ";
    private const string Domain = ":example.org";

    [TestCase("!jEsUZKDJdhlrceRyVU:example.org", "example.org", TestName = "Spec example: !jEsUZKDJdhlrceRyVU:example.org")]
    [TestCase("!room:example.org:8448", "example.org:8448")]
    [TestCase("!room:[::1]:8448", "[::1]:8448")]
    [TestCase("!r:domain", "domain")]
    [TestCase("!Room With Spaces & $igils:example.org", "example.org", TestName = "Any characters but ':' and NUL in the opaque part")]
    [TestCase("!rööm:example.org", "example.org")]
    [TestCase("!\u0001\u001f:example.org", "example.org", TestName = "Control characters in the opaque part")]
    [TestCase("!:example.org", "example.org", TestName = "Empty opaque part (the spec sets no minimum)")]
    public void AcceptsRoomIdWithDomain(string text, string serverName)
    {
        Assert.That(RoomId.TryParse(text, out var id, out var error), Is.True, error.Describe());
        Assert.Multiple(() =>
        {
            Assert.That(id.ToString(), Is.EqualTo(text));
            Assert.That(id.HasDomain, Is.True);
            Assert.That(id.ServerName, Is.EqualTo(ServerName.Parse(serverName)));
            Assert.That(id.CreateEventId, Is.Null);
        });
    }

    public static IEnumerable<TestCaseData> DomainlessRoomIds()
    {
        yield return new TestCaseData(SpecV12RoomId).SetName("Spec example: v12 room ID");
        yield return new TestCaseData("!" + UnpaddedBase64.EncodeUrlSafe(SHA256.HashData("create"u8))).SetName("URL-safe hash with '-' and '_'");
        yield return new TestCaseData("!" + new string('A', 43)).SetName("All-zero hash");
        yield return new TestCaseData("!7y0SfeN7lCuq0GFF5UsMYZofIjJ7LrvPvsePVWSv450").SetName("Hash of letters and digits only");
    }

    [TestCaseSource(nameof(DomainlessRoomIds))]
    public void AcceptsDomainlessRoomId(string text)
    {
        Assert.That(RoomId.TryParse(text, out var id, out var error), Is.True, error.Describe());
        Assert.Multiple(() =>
        {
            Assert.That(id.ToString(), Is.EqualTo(text));
            Assert.That(id.HasDomain, Is.False);
            Assert.That(id.ServerName, Is.Null);
        });
    }

    public static IEnumerable<TestCaseData> InvalidRoomIds()
    {
        var hash = SpecV12RoomId[1..];
        yield return new TestCaseData(null, IdentifierError.Null);
        yield return new TestCaseData("", IdentifierError.Empty);
        yield return new TestCaseData("room:example.org", IdentifierError.MissingSigil);
        yield return new TestCaseData("$" + hash, IdentifierError.MissingSigil).SetName("Event ID sigil");
        yield return new TestCaseData("!", IdentifierError.InvalidHash);
        yield return new TestCaseData("!room", IdentifierError.InvalidHash).SetName("No domain and not a hash");
        yield return new TestCaseData("!" + hash[..^1], IdentifierError.InvalidHash).SetName("Hash of 42 characters");
        yield return new TestCaseData("!" + hash + "A", IdentifierError.InvalidHash).SetName("Hash of 44 characters");
        yield return new TestCaseData("!" + hash + "=", IdentifierError.InvalidHash).SetName("Padded hash");
        yield return new TestCaseData("!acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk", IdentifierError.InvalidHash)
            .SetName("Hash in the standard Base64 alphabet");
        yield return new TestCaseData("!" + hash[..^1] + "R", IdentifierError.InvalidHash).SetName("Hash with nonzero padding bits");
        yield return new TestCaseData("!" + hash[..^2] + "é" + hash[^1], IdentifierError.InvalidHash).SetName("Unicode in hash");
        yield return new TestCaseData("!ro\0om:example.org", IdentifierError.ContainsNul);
        yield return new TestCaseData("!\ud800:example.org", IdentifierError.InvalidUnicode);
        yield return new TestCaseData("!room:", IdentifierError.EmptyHostname);
        yield return new TestCaseData("!room:example.org:0", IdentifierError.PortOutOfRange);
        yield return new TestCaseData("!room:ex ample.org", IdentifierError.InvalidCharacter);
    }

    [TestCaseSource(nameof(InvalidRoomIds))]
    public void RejectsInvalidRoomId(string? text, IdentifierError expected)
    {
        Assert.That(RoomId.TryParse(text, out var id, out var error), Is.False);
        Assert.Multiple(() =>
        {
            Assert.That(error, Is.EqualTo(expected));
            Assert.That(id, Is.EqualTo(default(RoomId)));
        });
    }

    [Test]
    public void RoomIdOfExactly255BytesIsValid()
    {
        var text = "!" + new string('x', 255 - 1 - Domain.Length) + Domain;
        Assert.That(RoomId.TryParse(text, out _), Is.True);
    }

    [Test]
    public void RoomIdOf256BytesIsTooLong()
    {
        Assert.That(RoomId.TryParse("!" + new string('x', 255 - Domain.Length) + Domain, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(IdentifierError.TooLong));
    }

    [Test]
    public void RoomIdLimitCountsUtf8Bytes()
    {
        // '€' is three UTF-8 bytes: 80 of them, "aa" and the domain make 255 bytes; 81 of them make 256.
        Assert.That(RoomId.TryParse("!" + new string('€', 80) + "aa" + Domain, out _), Is.True);
        Assert.That(RoomId.TryParse("!" + new string('€', 81) + Domain, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(IdentifierError.TooLong));
    }

    [Test]
    public void DomainlessRoomIdNamesItsCreateEvent()
    {
        var id = RoomId.Parse(SpecV12RoomId);
        Assert.That(id.CreateEventId, Is.EqualTo(EventId.Parse("$" + SpecV12RoomId[1..])));
    }

    [Test]
    public void CreateEventIdGivesTheDomainlessRoomId()
    {
        var createEvent = EventId.Parse("$" + SpecV12RoomId[1..]);
        Assert.That(RoomId.TryFromCreateEventId(createEvent, out var roomId), Is.True);
        Assert.That(roomId, Is.EqualTo(RoomId.Parse(SpecV12RoomId)));
    }

    [TestCase("$CD66HAED5npg6074c6pDtLKalHjVfYb2q4Q3LZgrW6o", true, TestName = "Letters and digits are also URL-safe")]
    [TestCase("$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk", false, TestName = "Standard-alphabet hash names no room")]
    [TestCase("$abc:example.org", false, TestName = "Event ID with a domain names no room")]
    public void OnlyUrlSafeHashEventIdsNameARoom(string eventId, bool expected) =>
        Assert.That(RoomId.TryFromCreateEventId(EventId.Parse(eventId), out _), Is.EqualTo(expected));

    [Test]
    public void RoomIdsAreCaseSensitive() =>
        Assert.That(RoomId.Parse("!abc:example.org"), Is.Not.EqualTo(RoomId.Parse("!ABC:example.org")));

    [Test]
    public void EqualByValue()
    {
        var a = RoomId.Parse(string.Concat("!", SpecV12RoomId[1..]));
        var b = RoomId.Parse(new string(SpecV12RoomId.ToCharArray()));
        Assert.That(a == b, Is.True);
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
    }

    [Test]
    public void ParseThrowsTypedExceptionWithReason()
    {
        var ex = Assert.Throws<InvalidIdentifierException>(() => RoomId.Parse("!room"));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(IdentifierKind.RoomId));
            Assert.That(ex.Error, Is.EqualTo(IdentifierError.InvalidHash));
        });
    }
}
