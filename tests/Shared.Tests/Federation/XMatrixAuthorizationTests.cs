using Cluster.Shared.Federation.Authentication;

namespace Cluster.Shared.Tests.Federation;

/// <summary>The X-Matrix Authorization header as RFC 9110 auth-params: quoting, escapes, case, order.</summary>
public class XMatrixAuthorizationTests
{
    private static XMatrixAuthorization Parse(string header)
    {
        Assert.That(XMatrixAuthorization.TryParse(header, out var parsed, out var error), Is.True, error);
        return parsed!;
    }

    private static string Refuse(string? header)
    {
        Assert.That(XMatrixAuthorization.TryParse(header, out _, out var error), Is.False);
        return error;
    }

    [Test]
    public void Quoted_parameters_are_read()
    {
        var h = Parse("X-Matrix origin=\"origin.hs.example.com\",destination=\"destination.hs.example.com\",key=\"ed25519:key1\",sig=\"ABCDEF\"");
        Assert.Multiple(() =>
        {
            Assert.That(h.Origin.ToString(), Is.EqualTo("origin.hs.example.com"));
            Assert.That(h.Destination?.ToString(), Is.EqualTo("destination.hs.example.com"));
            Assert.That(h.KeyId.ToString(), Is.EqualTo("ed25519:key1"));
            Assert.That(h.Signature, Is.EqualTo("ABCDEF"));
        });
    }

    [Test]
    public void Unquoted_values_with_colons_and_ports_are_read()
    {
        var h = Parse("X-Matrix origin=a.example:8448,key=ed25519:k1,sig=Zm9v+/x");
        Assert.Multiple(() =>
        {
            Assert.That(h.Origin.ToString(), Is.EqualTo("a.example:8448"));
            Assert.That(h.KeyId.ToString(), Is.EqualTo("ed25519:k1"));
            Assert.That(h.Signature, Is.EqualTo("Zm9v+/x"));
        });
    }

    [Test]
    public void Scheme_and_parameter_names_are_case_insensitive_and_whitespace_is_allowed()
    {
        var h = Parse("x-matrix  ORIGIN = \"a.example\" ,  Key=\"ed25519:k\" , SIG=\"s\"  ");
        Assert.That(h.Origin.ToString(), Is.EqualTo("a.example"));
    }

    [Test]
    public void Backslash_escapes_in_quoted_values_are_undone()
    {
        var h = Parse("X-Matrix origin=\"a.example\",key=\"ed25519:k\",sig=\"a\\\"b\\\\c\"");
        Assert.That(h.Signature, Is.EqualTo("a\"b\\c"));
    }

    [Test]
    public void Missing_destination_is_accepted_for_older_servers()
    {
        Assert.That(Parse("X-Matrix origin=\"a.example\",key=\"ed25519:k\",sig=\"s\"").Destination, Is.Null);
    }

    [Test]
    public void Unknown_parameters_are_ignored()
    {
        Assert.That(Parse("X-Matrix origin=a.example,key=ed25519:k,sig=s,future=\"x\"").Signature, Is.EqualTo("s"));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("Bearer abc")]
    [TestCase("X-Matrix")]
    [TestCase("X-Matrix key=\"ed25519:k\",sig=\"s\"")]
    [TestCase("X-Matrix origin=\"a.example\",sig=\"s\"")]
    [TestCase("X-Matrix origin=\"a.example\",key=\"ed25519:k\"")]
    [TestCase("X-Matrix origin=\"a.example\",key=\"ed25519:k\",sig=\"\"")]
    [TestCase("X-Matrix origin=\"a.example\",key=\"ed25519:k\",sig=\"s\",origin=\"b.example\"")]
    [TestCase("X-Matrix origin=\"a.example,key=\"ed25519:k\",sig=\"s")]
    [TestCase("X-Matrix origin=\"not a server\",key=\"ed25519:k\",sig=\"s\"")]
    [TestCase("X-Matrix origin=\"a.example\",destination=\"bad name!\",key=\"ed25519:k\",sig=\"s\"")]
    [TestCase("X-Matrix origin=\"a.example\",key=\"nocolon\",sig=\"s\"")]
    [TestCase("X-Matrix origin=\"a.example\" key=\"ed25519:k\" sig=\"s\"")]
    [TestCase("X-Matrix =x,origin=\"a.example\",key=\"ed25519:k\",sig=\"s\"")]
    public void Malformed_headers_are_refused(string? header) => Assert.That(Refuse(header), Is.Not.Empty);

    [Test]
    public void Overlong_header_is_refused() =>
        Assert.That(Refuse("X-Matrix origin=\"a.example\",key=\"ed25519:k\",sig=\"" + new string('A', 10000) + "\""), Does.Contain("too long"));

    [Test]
    public void Format_round_trips_through_parse()
    {
        var original = Parse("X-Matrix origin=\"127.0.0.1:8448\",destination=\"[::1]:9000\",key=\"ed25519:a_Bc\",sig=\"x/y+z\"");
        Assert.That(Parse(original.Format()), Is.EqualTo(original));
    }
}
