using Cluster.Shared.Storage.Accounts;

namespace Cluster.Shared.Tests.Storage.Accounts;

public class PasswordHasherTests
{
    [Test]
    public void Hash_is_argon2id_phc_string_with_its_parameters()
    {
        var hash = PasswordHasher.Hash("correct horse");

        Assert.That(hash, Does.Match(@"^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$"));
    }

    [Test]
    public void Right_password_verifies()
    {
        Assert.That(PasswordHasher.Verify("correct horse", PasswordHasher.Hash("correct horse")), Is.True);
    }

    [Test]
    public void Wrong_password_does_not_verify()
    {
        Assert.That(PasswordHasher.Verify("correct hors", PasswordHasher.Hash("correct horse")), Is.False);
    }

    [Test]
    public void Same_password_hashes_differently_each_time()
    {
        var first = PasswordHasher.Hash("pw");
        var second = PasswordHasher.Hash("pw");

        Assert.That(first, Is.Not.EqualTo(second));
    }

    [Test]
    public void Non_ascii_password_verifies()
    {
        Assert.That(PasswordHasher.Verify("pässwörd 🔑", PasswordHasher.Hash("pässwörd 🔑")), Is.True);
    }

    [Test]
    public void Hash_with_tampered_parameters_does_not_verify()
    {
        var tampered = PasswordHasher.Hash("pw").Replace("m=19456,t=2", "m=8192,t=1", StringComparison.Ordinal);

        Assert.That(PasswordHasher.Verify("pw", tampered), Is.False);
    }

    [TestCase("")]
    [TestCase("plaintext")]
    [TestCase("$2b$12$abcdefghijklmnopqrstuv")]
    [TestCase("$argon2id$v=19$m=99999999,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("$argon2id$v=19$m=19456,t=2,p=4$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("$argon2id$v=19$m=19456,t=2,p=1$not base64!$AAAA")]
    public void Unreadable_or_hostile_hash_never_verifies(string stored)
    {
        Assert.That(PasswordHasher.Verify("pw", stored), Is.False);
    }
}
