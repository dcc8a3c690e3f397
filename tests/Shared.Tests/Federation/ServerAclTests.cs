using System.Text.Json.Nodes;
using Cluster.Shared.Federation.Acl;

namespace Cluster.Shared.Tests.Federation;

/// <summary>The spec's server ACL rules (m.room.server_acl), one behaviour each.</summary>
public class ServerAclTests
{
    private static ServerAcl Acl(string json) => ServerAcl.FromContent(JsonNode.Parse(json)!.AsObject());

    [Test]
    public void No_acl_allows_every_server() =>
        Assert.That(ServerAcl.None.Allows("anything.example"), Is.True);

    [Test]
    public void A_server_matching_an_allow_entry_is_allowed() =>
        Assert.That(Acl("""{"allow": ["good.example"]}""").Allows("good.example"), Is.True);

    [Test]
    public void A_server_matching_no_allow_entry_is_denied() =>
        Assert.That(Acl("""{"allow": ["good.example"]}""").Allows("other.example"), Is.False);

    [Test]
    public void Deny_wins_over_allow() =>
        Assert.That(Acl("""{"allow": ["*"], "deny": ["evil.example"]}""").Allows("evil.example"), Is.False);

    [Test]
    public void An_absent_allow_list_denies_everyone() =>
        Assert.That(Acl("""{"deny": []}""").Allows("good.example"), Is.False);

    [Test]
    public void An_empty_allow_list_denies_everyone() =>
        Assert.That(Acl("""{"allow": []}""").Allows("good.example"), Is.False);

    [Test]
    public void The_port_is_ignored() =>
        Assert.That(Acl("""{"allow": ["*"], "deny": ["evil.example"]}""").Allows("evil.example:8448"), Is.False);

    [Test]
    public void An_entry_with_a_port_matches_no_server() =>
        Assert.That(Acl("""{"allow": ["good.example:8448"]}""").Allows("good.example:8448"), Is.False);

    [Test]
    public void Matching_ignores_case() =>
        Assert.That(Acl("""{"allow": ["*"], "deny": ["EVIL.example"]}""").Allows("evil.EXAMPLE"), Is.False);

    [TestCase("*.evil.example", "sub.evil.example", true)]
    [TestCase("*.evil.example", "evil.example", false)]
    [TestCase("*evil.example", "evil.example", true)]
    [TestCase("ev?l.example", "evil.example", true)]
    [TestCase("ev?l.example", "eviil.example", false)]
    [TestCase("*", "any.example", true)]
    [TestCase("a*b*c", "axxbyyc", true)]
    [TestCase("a*b*c", "axxbyy", false)]
    [TestCase("**.example", "x.example", true)]
    [TestCase("evil.example", "notevil.example", false)]
    public void Deny_entries_are_globs(string pattern, string server, bool denied) =>
        Assert.That(Acl($$"""{"allow": ["*"], "deny": ["{{pattern}}"]}""").Allows(server), Is.EqualTo(!denied));

    [TestCase("1.2.3.4")]
    [TestCase("1.2.3.4:8448")]
    [TestCase("[::1]")]
    [TestCase("[2001:db8::1]:8448")]
    public void Ip_literals_are_denied_when_allow_ip_literals_is_false(string server) =>
        Assert.That(Acl("""{"allow": ["*"], "allow_ip_literals": false}""").Allows(server), Is.False);

    [Test]
    public void Ip_literals_are_allowed_by_default() =>
        Assert.That(Acl("""{"allow": ["*"]}""").Allows("1.2.3.4"), Is.True);

    [Test]
    public void A_dns_name_is_not_an_ip_literal() =>
        Assert.That(Acl("""{"allow": ["*"], "allow_ip_literals": false}""").Allows("1.2.3.4.example"), Is.True);

    [Test]
    public void Allow_ip_literals_that_is_not_a_boolean_counts_as_true() =>
        Assert.That(Acl("""{"allow": ["*"], "allow_ip_literals": "false"}""").Allows("1.2.3.4"), Is.True);

    [Test]
    public void An_ipv6_literal_is_matched_with_its_brackets() =>
        Assert.That(Acl("""{"allow": ["*"], "deny": ["[::1]"]}""").Allows("[::1]:8448"), Is.False);

    [Test]
    public void A_deny_that_is_not_an_array_denies_nothing() =>
        Assert.That(Acl("""{"allow": ["*"], "deny": "evil.example"}""").Allows("evil.example"), Is.True);

    [Test]
    public void An_allow_that_is_not_an_array_restricts_nothing() =>
        Assert.That(Acl("""{"allow": "good.example"}""").Allows("other.example"), Is.True);

    [Test]
    public void Entries_that_are_not_strings_match_nothing()
    {
        var acl = Acl("""{"allow": [1, {"a": "*"}, "good.example"], "deny": [null, 2]}""");
        Assert.Multiple(() =>
        {
            Assert.That(acl.Allows("good.example"), Is.True);
            Assert.That(acl.Allows("other.example"), Is.False);
        });
    }

    [Test]
    public void A_name_that_is_not_a_server_name_is_denied() =>
        Assert.That(Acl("""{"allow": ["*"]}""").Allows("not a server name"), Is.False);

    [Test]
    public void Null_content_denies_everyone() =>
        Assert.That(ServerAcl.FromContent(null).Allows("good.example"), Is.False);
}
