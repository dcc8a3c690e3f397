using Cluster.Shared.Identifiers;

namespace Cluster.Shared.Tests.Identifiers;

/// <summary>Appendix "Opaque Identifiers": RFC 3986 unreserved characters, 1 to 255 of them by default.</summary>
public class OpaqueIdentifierTests
{
    [TestCase("a")]
    [TestCase("ABCxyz0189")]
    [TestCase("m.txn-1_2~3")]
    public void AcceptsUnreservedCharacters(string text) => Assert.That(OpaqueIdentifier.IsValid(text), Is.True);

    [TestCase("", TestName = "Empty opaque identifier")]
    [TestCase("a b")]
    [TestCase("a:b")]
    [TestCase("a/b")]
    [TestCase("a+b")]
    [TestCase("a%20")]
    [TestCase("é")]
    [TestCase("a\0")]
    public void RejectsOtherCharacters(string text) => Assert.That(OpaqueIdentifier.IsValid(text), Is.False);

    [Test]
    public void LengthLimitIs255ByDefault()
    {
        Assert.That(OpaqueIdentifier.IsValid(new string('a', 255)), Is.True);
        Assert.That(OpaqueIdentifier.IsValid(new string('a', 256)), Is.False);
    }

    [Test]
    public void IdentifierDefinitionMaySetItsOwnLimit()
    {
        Assert.That(OpaqueIdentifier.IsValid(new string('a', 32), maxLength: 32), Is.True);
        Assert.That(OpaqueIdentifier.IsValid(new string('a', 33), maxLength: 32), Is.False);
    }
}
