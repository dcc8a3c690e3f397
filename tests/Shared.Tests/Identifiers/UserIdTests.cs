using Cluster.Shared.Identifiers;

namespace Cluster.Shared.Tests.Identifiers;

/// <summary>Appendix "User Identifiers" and "Historical User IDs".</summary>
public class UserIdTests
{
    /// <summary>The whole user ID, sigil and domain included, may be at most 255 bytes.</summary>
    private const int MaxBytes = 255;
    private const string Domain = ":example.org";

    [TestCase("@alice:example.org", "alice", "example.org")]
    [TestCase("@user:matrix.org", "user", "matrix.org", TestName = "Spec example: @user:matrix.org")]
    [TestCase("@a:b", "a", "b")]
    [TestCase("@0123456789:example.org", "0123456789", "example.org")]
    [TestCase("@a.b_c=d-e/f+g:example.org", "a.b_c=d-e/f+g", "example.org", TestName = "Every punctuation character of the current grammar")]
    [TestCase("@alice:example.org:8448", "alice", "example.org:8448")]
    [TestCase("@alice:1.2.3.4", "alice", "1.2.3.4")]
    [TestCase("@alice:[::1]", "alice", "[::1]")]
    [TestCase("@alice:[1234:5678::abcd]:5678", "alice", "[1234:5678::abcd]:5678")]
    public void AcceptsConformantUserId(string text, string localpart, string serverName)
    {
        Assert.That(UserId.TryParse(text, out var id, out var error), Is.True, error.Describe());
        Assert.Multiple(() =>
        {
            Assert.That(id.ToString(), Is.EqualTo(text));
            Assert.That(id.Localpart, Is.EqualTo(localpart));
            Assert.That(id.ServerName, Is.EqualTo(ServerName.Parse(serverName)));
            Assert.That(id.Compliance, Is.EqualTo(LocalpartCompliance.Conformant));
            Assert.That(id.IsConformant, Is.True);
        });
    }

    /// <summary>Printable ASCII outside the current grammar: older specs allowed it, so it must still parse.</summary>
    [TestCase("@Alice:example.org", TestName = "Historical: upper case")]
    [TestCase("@alice!:example.org")]
    [TestCase("@~tilde:example.org")]
    [TestCase("@a#b$c%d&e*f:example.org")]
    [TestCase("@[bracket]:example.org")]
    [TestCase("@\"quoted\":example.org")]
    [TestCase("@back\\slash:example.org")]
    public void AcceptsHistoricalUserIdFlaggedNonConformant(string text)
    {
        Assert.That(UserId.TryParse(text, out var id), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(id.Compliance, Is.EqualTo(LocalpartCompliance.Historical));
            Assert.That(id.IsConformant, Is.False);
        });
    }

    public static IEnumerable<TestCaseData> NonCompliantUserIds()
    {
        yield return new TestCaseData("@:example.org").SetName("Non-compliant: empty localpart");
        yield return new TestCaseData("@al ice:example.org").SetName("Non-compliant: space");
        yield return new TestCaseData("@alicé:example.org").SetName("Non-compliant: Latin-1 letter");
        yield return new TestCaseData("@пользователь:example.org").SetName("Non-compliant: Cyrillic");
        yield return new TestCaseData("@\U0001F600:example.org").SetName("Non-compliant: astral code point (surrogate pair)");
        yield return new TestCaseData("@\u0001bell:example.org").SetName("Non-compliant: control character");
        yield return new TestCaseData("@\u007f:example.org").SetName("Non-compliant: DEL");
        yield return new TestCaseData("@\uffff:example.org").SetName("Non-compliant: noncharacter U+FFFF");
    }

    /// <summary>Servers must accept these in events from federation, but not forward them to clients elsewhere.</summary>
    [TestCaseSource(nameof(NonCompliantUserIds))]
    public void AcceptsNonCompliantUserIdFlaggedNonCompliant(string text)
    {
        Assert.That(UserId.TryParse(text, out var id, out var error), Is.True, error.Describe());
        Assert.Multiple(() =>
        {
            Assert.That(id.ToString(), Is.EqualTo(text));
            Assert.That(id.Compliance, Is.EqualTo(LocalpartCompliance.NonCompliant));
            Assert.That(id.IsConformant, Is.False);
        });
    }

    public static IEnumerable<TestCaseData> InvalidUserIds()
    {
        yield return new TestCaseData(null, IdentifierError.Null);
        yield return new TestCaseData("", IdentifierError.Empty);
        yield return new TestCaseData("alice:example.org", IdentifierError.MissingSigil);
        yield return new TestCaseData("#alice:example.org", IdentifierError.MissingSigil);
        yield return new TestCaseData(" @alice:example.org", IdentifierError.MissingSigil);
        yield return new TestCaseData("@", IdentifierError.MissingServerName);
        yield return new TestCaseData("@alice", IdentifierError.MissingServerName);
        yield return new TestCaseData("@alice:", IdentifierError.EmptyHostname);
        yield return new TestCaseData("@al\0ice:example.org", IdentifierError.ContainsNul).SetName("NUL in localpart");
        yield return new TestCaseData("@\0:example.org", IdentifierError.ContainsNul);
        yield return new TestCaseData("@alice:example.org\0", IdentifierError.InvalidCharacter).SetName("NUL in server name");
        yield return new TestCaseData("@\ud800:example.org", IdentifierError.InvalidUnicode).SetName("Lone high surrogate");
        yield return new TestCaseData("@a\udc00b:example.org", IdentifierError.InvalidUnicode).SetName("Lone low surrogate");
        yield return new TestCaseData("@\ud800\ud800:example.org", IdentifierError.InvalidUnicode).SetName("High surrogate then high surrogate");
        yield return new TestCaseData("@alice:exämple.org", IdentifierError.InvalidCharacter).SetName("Unicode server name");
        yield return new TestCaseData("@alice:example.org:0", IdentifierError.PortOutOfRange);
        yield return new TestCaseData("@alice:example.org:65536", IdentifierError.PortOutOfRange);
        yield return new TestCaseData("@alice:[::1", IdentifierError.UnterminatedIPv6Literal);
        yield return new TestCaseData("@alice:[::1]:x", IdentifierError.InvalidPort);
        yield return new TestCaseData("@alice:1.2.3.256", IdentifierError.InvalidIPv4Address);
        yield return new TestCaseData("@" + new string('a', 300) + Domain, IdentifierError.TooLong);
    }

    [TestCaseSource(nameof(InvalidUserIds))]
    public void RejectsInvalidUserId(string? text, IdentifierError expected)
    {
        Assert.That(UserId.TryParse(text, out var id, out var error), Is.False);
        Assert.Multiple(() =>
        {
            Assert.That(error, Is.EqualTo(expected));
            Assert.That(id, Is.EqualTo(default(UserId)));
        });
    }

    [Test]
    public void UserIdOfExactly255BytesIsValid()
    {
        var text = "@" + new string('a', MaxBytes - 1 - Domain.Length) + Domain;
        Assert.That(text, Has.Length.EqualTo(MaxBytes));
        Assert.That(UserId.TryParse(text, out _), Is.True);
    }

    [Test]
    public void UserIdOf256BytesIsTooLong()
    {
        var text = "@" + new string('a', MaxBytes - Domain.Length) + Domain;
        Assert.That(UserId.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(IdentifierError.TooLong));
    }

    [Test]
    public void LimitCountsUtf8BytesNotCharacters()
    {
        // 'é' is two UTF-8 bytes: 121 of them and the domain make exactly 255 bytes in 134 characters.
        var atLimit = "@" + new string('é', 121) + Domain;
        var pastLimit = "@" + new string('é', 121) + "a" + Domain;
        Assert.That(UserId.TryParse(atLimit, out _), Is.True);
        Assert.That(UserId.TryParse(pastLimit, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(IdentifierError.TooLong));
    }

    [Test]
    public void SurrogatePairCountsAsFourBytes()
    {
        // Each emoji is two UTF-16 units but four UTF-8 bytes: 60 of them (240 bytes) + "aa" + the domain is 255.
        var emoji = string.Concat(Enumerable.Repeat("\U0001F600", 60));
        Assert.That(UserId.TryParse("@" + emoji + "aa" + Domain, out _), Is.True);
        Assert.That(UserId.TryParse("@" + emoji + "aaa" + Domain, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(IdentifierError.TooLong));
    }

    [Test]
    public void ServerNamePortionCountsTowardTheLimit()
    {
        var server = ":" + new string('s', 250); // 251 characters
        Assert.That(UserId.TryParse("@abc" + server, out _), Is.True);
        Assert.That(UserId.TryParse("@abcd" + server, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(IdentifierError.TooLong));
    }

    [Test]
    public void LocalpartEndsAtTheFirstColon()
    {
        var id = UserId.Parse("@alice:example.org:8448");
        Assert.Multiple(() =>
        {
            Assert.That(id.Localpart, Is.EqualTo("alice"));
            Assert.That(id.ServerName.Host, Is.EqualTo("example.org"));
            Assert.That(id.ServerName.Port, Is.EqualTo(8448));
        });
    }

    [Test]
    public void UserIdsDifferingInCaseAreDifferentUsers() =>
        Assert.That(UserId.Parse("@alice:example.org"), Is.Not.EqualTo(UserId.Parse("@Alice:example.org")));

    [Test]
    public void ServerNamePartIsCaseSensitive() =>
        Assert.That(UserId.Parse("@user:matrix.org"), Is.Not.EqualTo(UserId.Parse("@user:MATRIX.ORG")));

    [Test]
    public void EqualByValue()
    {
        var a = UserId.Parse(string.Concat("@alice", ":example.org"));
        var b = UserId.Parse(new string("@alice:example.org".ToCharArray()));
        Assert.That(a == b, Is.True);
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
    }

    [TestCase("@alice:example.org", "example.org", true)]
    [TestCase("@alice:example.org", "example.org:8448", false)]
    [TestCase("@alice:example.org:8448", "example.org", false)]
    [TestCase("@alice:example.org", "EXAMPLE.org", false)]
    public void IsFromServerComparesTheWholeServerName(string user, string server, bool expected) =>
        Assert.That(UserId.Parse(user).IsFromServer(ServerName.Parse(server)), Is.EqualTo(expected));

    [TestCase("alice", true)]
    [TestCase("a.b_c=d-e/f+g", true)]
    [TestCase("", false)]
    [TestCase("Alice", false)]
    [TestCase("al ice", false)]
    [TestCase("alice:x", false)]
    [TestCase("alicé", false)]
    public void ConformantLocalpartForRegistration(string localpart, bool expected) =>
        Assert.That(UserId.IsConformantLocalpart(localpart), Is.EqualTo(expected));

    [Test]
    public void ParseThrowsTypedExceptionWithReason()
    {
        var ex = Assert.Throws<InvalidIdentifierException>(() => UserId.Parse("@alice"));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(IdentifierKind.UserId));
            Assert.That(ex.Error, Is.EqualTo(IdentifierError.MissingServerName));
            Assert.That(ex.Message, Does.StartWith("Invalid user ID"));
        });
    }

    [Test]
    public void DefaultReadsAsEmptyAndIsNotConformant()
    {
        var id = default(UserId);
        Assert.Multiple(() =>
        {
            Assert.That(id.ToString(), Is.Empty);
            Assert.That(id.Localpart, Is.Empty);
            Assert.That(id.IsConformant, Is.False);
            Assert.That(id.IsFromServer(ServerName.Parse("example.org")), Is.False);
        });
    }
}
