using Cluster.Shared.Auth;

namespace Cluster.Shared.Tests.Auth;

public class MatrixIdsTests
{
    [TestCase("@alice:example.org")]
    [TestCase("@alice:example.org:8448")]
    [TestCase("@alice:1.2.3.4")]
    [TestCase("@alice:[::1]:8448")]
    [TestCase("@Historic_User!:example.org")]
    [TestCase("@a:b")]
    public void ValidUserIds(string id) => Assert.That(MatrixIds.IsValidUserId(id), Is.True);

    [TestCase("alice:example.org")]
    [TestCase("@alice")]
    [TestCase("@:example.org")]
    [TestCase("@alice:")]
    [TestCase("@al ice:example.org")]
    [TestCase("@alice:exa mple.org")]
    [TestCase("@alice:example.org:")]
    [TestCase("@alice:example.org:844800")]
    [TestCase("@alice:[::1")]
    [TestCase("@alicé:example.org")]
    [TestCase("")]
    public void InvalidUserIds(string id) => Assert.That(MatrixIds.IsValidUserId(id), Is.False);

    [Test]
    public void UserIdsLongerThan255CharactersAreInvalid() =>
        Assert.That(MatrixIds.IsValidUserId("@" + new string('a', 250) + ":example.org"), Is.False);

    [TestCase("@alice:example.org", "example.org")]
    [TestCase("$event:example.org:8448", "example.org:8448")]
    [TestCase("$event", null)]
    public void DomainIsEverythingAfterTheFirstColon(string id, string? domain) =>
        Assert.That(MatrixIds.DomainOf(id), Is.EqualTo(domain));
}
