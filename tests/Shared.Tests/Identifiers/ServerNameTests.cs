using System.Net;
using CsCheck;
using Cluster.Shared.Identifiers;

namespace Cluster.Shared.Tests.Identifiers;

/// <summary>Appendix "Server Name": <c>server_name = hostname [ ":" port ]</c>.</summary>
public class ServerNameTests
{
    /// <summary>The grammar's <c>dns-name = 1*255dns-char</c>.</summary>
    private const int MaxDnsNameLength = 255;
    private static readonly string LongestDnsName = DnsNameOfLength(MaxDnsNameLength);

    [TestCase("matrix.org", "matrix.org", null, ServerNameHostKind.DnsName, TestName = "Spec example: matrix.org")]
    [TestCase("matrix.org:8888", "matrix.org", 8888, ServerNameHostKind.DnsName, TestName = "Spec example: matrix.org:8888")]
    [TestCase("1.2.3.4", "1.2.3.4", null, ServerNameHostKind.IPv4Literal, TestName = "Spec example: 1.2.3.4")]
    [TestCase("1.2.3.4:1234", "1.2.3.4", 1234, ServerNameHostKind.IPv4Literal, TestName = "Spec example: 1.2.3.4:1234")]
    [TestCase("[1234:5678::abcd]", "[1234:5678::abcd]", null, ServerNameHostKind.IPv6Literal, TestName = "Spec example: [1234:5678::abcd]")]
    [TestCase("[1234:5678::abcd]:5678", "[1234:5678::abcd]", 5678, ServerNameHostKind.IPv6Literal, TestName = "Spec example: [1234:5678::abcd]:5678")]
    [TestCase("localhost", "localhost", null, ServerNameHostKind.DnsName)]
    [TestCase("MATRIX.ORG", "MATRIX.ORG", null, ServerNameHostKind.DnsName)]
    [TestCase("xn--bcher-kva.example", "xn--bcher-kva.example", null, ServerNameHostKind.DnsName)]
    [TestCase("example.com.", "example.com.", null, ServerNameHostKind.DnsName)]
    [TestCase("a-", "a-", null, ServerNameHostKind.DnsName)]
    [TestCase("1.2.3.4.example", "1.2.3.4.example", null, ServerNameHostKind.DnsName)]
    [TestCase("matrix.org:1", "matrix.org", 1, ServerNameHostKind.DnsName)]
    [TestCase("matrix.org:65535", "matrix.org", 65535, ServerNameHostKind.DnsName)]
    [TestCase("matrix.org:08448", "matrix.org", 8448, ServerNameHostKind.DnsName)]
    [TestCase("0.0.0.0", "0.0.0.0", null, ServerNameHostKind.IPv4Literal)]
    [TestCase("255.255.255.255:443", "255.255.255.255", 443, ServerNameHostKind.IPv4Literal)]
    [TestCase("01.002.3.4", "01.002.3.4", null, ServerNameHostKind.IPv4Literal)]
    [TestCase("[::1]", "[::1]", null, ServerNameHostKind.IPv6Literal)]
    [TestCase("[::1]:8448", "[::1]", 8448, ServerNameHostKind.IPv6Literal)]
    [TestCase("[::]", "[::]", null, ServerNameHostKind.IPv6Literal)]
    [TestCase("[1:2:3:4:5:6:7:8]", "[1:2:3:4:5:6:7:8]", null, ServerNameHostKind.IPv6Literal)]
    [TestCase("[1:2:3:4:5:6:7::]", "[1:2:3:4:5:6:7::]", null, ServerNameHostKind.IPv6Literal)]
    [TestCase("[::2:3:4:5:6:7:8]", "[::2:3:4:5:6:7:8]", null, ServerNameHostKind.IPv6Literal)]
    [TestCase("[ABCD:ef01::]", "[ABCD:ef01::]", null, ServerNameHostKind.IPv6Literal)]
    [TestCase("[::ffff:1.2.3.4]:80", "[::ffff:1.2.3.4]", 80, ServerNameHostKind.IPv6Literal)]
    [TestCase("[1:2:3:4:5:6:1.2.3.4]", "[1:2:3:4:5:6:1.2.3.4]", null, ServerNameHostKind.IPv6Literal)]
    [TestCase("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]", "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]", null,
        ServerNameHostKind.IPv6Literal, TestName = "IPv6 literal of the grammar's maximum 45 characters")]
    public void AcceptsValidServerName(string text, string host, int? port, ServerNameHostKind kind)
    {
        Assert.That(ServerName.TryParse(text, out var name, out var error), Is.True, error.Describe());
        Assert.Multiple(() =>
        {
            Assert.That(error, Is.EqualTo(IdentifierError.None));
            Assert.That(name.ToString(), Is.EqualTo(text));
            Assert.That(name.Host, Is.EqualTo(host));
            Assert.That(name.Port, Is.EqualTo(port));
            Assert.That(name.HostKind, Is.EqualTo(kind));
        });
    }

    [TestCase(null, IdentifierError.Null)]
    [TestCase("", IdentifierError.Empty)]
    [TestCase(":8448", IdentifierError.EmptyHostname)]
    [TestCase("[::1", IdentifierError.UnterminatedIPv6Literal, TestName = "IPv6 literal missing its closing bracket")]
    [TestCase("[::1:8448", IdentifierError.UnterminatedIPv6Literal)]
    [TestCase("::1]", IdentifierError.EmptyHostname, TestName = "IPv6 literal missing its opening bracket")]
    [TestCase("::1", IdentifierError.EmptyHostname)]
    [TestCase("fe80:5678::abcd", IdentifierError.InvalidPort, TestName = "Unbracketed IPv6 literal")]
    [TestCase("[::1]:0", IdentifierError.PortOutOfRange)]
    [TestCase("matrix.org:00000", IdentifierError.PortOutOfRange)]
    [TestCase("[::1]:65536", IdentifierError.PortOutOfRange)]
    [TestCase("matrix.org:99999", IdentifierError.PortOutOfRange)]
    [TestCase("matrix.org:123456", IdentifierError.InvalidPort, TestName = "Port of six digits")]
    [TestCase("matrix.org:008448", IdentifierError.InvalidPort)]
    [TestCase("[::1]:", IdentifierError.InvalidPort)]
    [TestCase("matrix.org:", IdentifierError.InvalidPort)]
    [TestCase("[::1]:84a8", IdentifierError.InvalidPort)]
    [TestCase("matrix.org:+8448", IdentifierError.InvalidPort)]
    [TestCase("matrix.org:-1", IdentifierError.InvalidPort)]
    [TestCase("matrix.org: 8448", IdentifierError.InvalidPort)]
    [TestCase("matrix.org:8448 ", IdentifierError.InvalidPort)]
    [TestCase("matrix.org:８４４８", IdentifierError.InvalidPort, TestName = "Port in full-width digits")]
    [TestCase("matrix.org:8448:1", IdentifierError.InvalidPort)]
    [TestCase("[::1]8448", IdentifierError.InvalidCharacter)]
    [TestCase("[::1]]", IdentifierError.InvalidCharacter)]
    [TestCase("[]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[:]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[:::]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[1]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[1:2:3:4:5:6:7]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[1:2:3:4:5:6:7:8:9]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[1:2:3:4::5:6:7:8]", IdentifierError.InvalidIPv6Address, TestName = "IPv6 '::' standing for no groups")]
    [TestCase("[1::2::3]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[12345::1]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[:1::2]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[1::2:]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[g::1]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[::1%eth0]", IdentifierError.InvalidIPv6Address, TestName = "IPv6 zone index")]
    [TestCase("[ ::1]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[::1.2.3]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[::1.2.3.256]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[1.2.3.4::]", IdentifierError.InvalidIPv6Address, TestName = "IPv6 embedded IPv4 not at the end")]
    [TestCase("[1:2:3:4:5:6:7:1.2.3.4]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[matrix.org]", IdentifierError.InvalidIPv6Address)]
    [TestCase("[1.2.3.4]", IdentifierError.InvalidIPv6Address)]
    [TestCase("1.2.3", IdentifierError.InvalidIPv4Address)]
    [TestCase("1.2.3.256", IdentifierError.InvalidIPv4Address)]
    [TestCase("1.2.3.4.5", IdentifierError.InvalidIPv4Address)]
    [TestCase("1..2.3", IdentifierError.InvalidIPv4Address)]
    [TestCase("1.2.3.4.", IdentifierError.InvalidIPv4Address)]
    [TestCase("0001.2.3.4", IdentifierError.InvalidIPv4Address)]
    [TestCase("1234", IdentifierError.InvalidIPv4Address, TestName = "All-numeric hostname")]
    [TestCase("matrix org", IdentifierError.InvalidCharacter)]
    [TestCase("matrix_org", IdentifierError.InvalidCharacter)]
    [TestCase("user@matrix.org", IdentifierError.InvalidCharacter)]
    [TestCase("matrix.org/path", IdentifierError.InvalidCharacter)]
    [TestCase("mätrix.org", IdentifierError.InvalidCharacter, TestName = "Unicode hostname (IDNs must be punycode)")]
    [TestCase("matrix.org\0", IdentifierError.InvalidCharacter, TestName = "NUL in hostname")]
    [TestCase("matrix.org\n", IdentifierError.InvalidCharacter)]
    public void RejectsInvalidServerName(string? text, IdentifierError expected)
    {
        Assert.That(ServerName.TryParse(text, out var name, out var error), Is.False);
        Assert.Multiple(() =>
        {
            Assert.That(error, Is.EqualTo(expected));
            Assert.That(name, Is.EqualTo(default(ServerName)));
        });
    }

    [Test]
    public void DnsNameMayBe255Characters()
    {
        Assert.That(ServerName.TryParse(LongestDnsName, out var name), Is.True);
        Assert.That(name.Host, Has.Length.EqualTo(255));
    }

    [Test]
    public void DnsNameMayBe255CharactersWithAPortAfter() =>
        Assert.That(ServerName.TryParse(LongestDnsName + ":8448", out _), Is.True);

    [Test]
    public void DnsNameOf256CharactersIsTooLong()
    {
        Assert.That(ServerName.TryParse(DnsNameOfLength(256), out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(IdentifierError.TooLong));
    }

    [Test]
    public void ServerNamesAreCaseSensitive() =>
        Assert.That(ServerName.Parse("matrix.org"), Is.Not.EqualTo(ServerName.Parse("MATRIX.ORG")));

    [Test]
    public void EqualByValue()
    {
        // Two separately built strings, so equality cannot be reference equality.
        var a = ServerName.Parse(string.Concat("matrix", ".org"));
        var b = ServerName.Parse(new string("matrix.org".ToCharArray()));
        Assert.That(a == b, Is.True);
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
    }

    [Test]
    public void ExplicitDefaultPortIsADifferentServerName() =>
        Assert.That(ServerName.Parse("matrix.org:8448"), Is.Not.EqualTo(ServerName.Parse("matrix.org")));

    [Test]
    public void ParseThrowsTypedExceptionWithReason()
    {
        var ex = Assert.Throws<InvalidIdentifierException>(() => ServerName.Parse("[::1]:65536"));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(IdentifierKind.ServerName));
            Assert.That(ex.Error, Is.EqualTo(IdentifierError.PortOutOfRange));
            Assert.That(ex.Message, Does.Contain("server name").And.Contain("65535"));
        });
    }

    [Test]
    public void ParseOfNullThrowsTypedException() =>
        Assert.That(() => ServerName.Parse(null), Throws.TypeOf<InvalidIdentifierException>()
            .With.Property(nameof(InvalidIdentifierException.Error)).EqualTo(IdentifierError.Null));

    [Test]
    public void DefaultReadsAsEmpty()
    {
        var name = default(ServerName);
        Assert.Multiple(() =>
        {
            Assert.That(name.ToString(), Is.Empty);
            Assert.That(name.Host, Is.Empty);
            Assert.That(name.Port, Is.Null);
        });
    }

    [TestCase("matrix.org", true)]
    [TestCase("matrix.org:8448", true)]
    [TestCase("[::1]:8448", true)]
    [TestCase("MATRIX.org", false, TestName = "Upper case is not recommended")]
    [TestCase("[::ABCD]", false, TestName = "Upper-case IPv6 hex is not recommended")]
    [TestCase("example.com.", false, TestName = "Empty trailing label is not recommended")]
    [TestCase("a..b", false)]
    [TestCase("-a.b", false)]
    [TestCase("a-.b", false)]
    public void FollowsRecommendations(string text, bool expected) =>
        Assert.That(ServerName.Parse(text).FollowsRecommendations, Is.EqualTo(expected));

    [Test]
    public void NameLongerThan230CharactersIsValidButNotRecommended()
    {
        var atLimit = ServerName.Parse(DnsNameOfLength(ServerName.RecommendedMaxLength));
        var past = ServerName.Parse(DnsNameOfLength(ServerName.RecommendedMaxLength + 1));
        Assert.That(atLimit.FollowsRecommendations, Is.True);
        Assert.That(past.FollowsRecommendations, Is.False);
    }

    [Test]
    public void LabelLongerThan63CharactersIsNotRecommended()
    {
        Assert.That(ServerName.Parse(new string('a', 63) + ".org").FollowsRecommendations, Is.True);
        Assert.That(ServerName.Parse(new string('a', 64) + ".org").FollowsRecommendations, Is.False);
    }

    [TestCase("1.2.3.4:8448", "1.2.3.4")]
    [TestCase("01.002.030.4", "1.2.30.4", TestName = "IPv4 leading zeros are decimal, not octal")]
    [TestCase("[::1]", "::1")]
    [TestCase("[1234:5678::abcd]:5678", "1234:5678::abcd")]
    [TestCase("[1:2:3:4:5:6:7::]", "1:2:3:4:5:6:7:0")]
    [TestCase("[::ffff:10.0.0.1]", "::ffff:10.0.0.1")]
    [TestCase("[::ffff:010.0.0.1]", "::ffff:10.0.0.1", TestName = "Embedded IPv4 leading zeros are decimal")]
    [TestCase("[fe80::1:2]", "fe80::1:2")]
    public void IPLiteralGivesItsAddress(string text, string address)
    {
        Assert.That(ServerName.Parse(text).TryGetIPAddress(out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(IPAddress.Parse(address)));
    }

    [Test]
    public void AnyIPv6AddressInItsUsualTextRoundTrips() =>
        Gen.Byte.Array[16].Sample(bytes =>
        {
            var address = new IPAddress(bytes);
            var name = ServerName.Parse($"[{address}]:8448");
            return name.TryGetIPAddress(out var parsed) && parsed.Equals(address);
        });

    [Test]
    public void DnsNameHasNoAddress() =>
        Assert.That(ServerName.Parse("matrix.org").TryGetIPAddress(out _), Is.False);

    private static string DnsNameOfLength(int length)
    {
        // Labels of 50 letters joined by dots, trimmed to the length: a plausible long name.
        var label = new string('a', 50) + ".";
        var text = string.Concat(Enumerable.Repeat(label, length / label.Length + 1))[..length];
        return text.EndsWith('.') ? text[..^1] + "b" : text;
    }
}
