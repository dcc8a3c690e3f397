using Cluster.Router.Affinity;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Accounts;
using Microsoft.AspNetCore.Http;

namespace Cluster.Router.Tests.Affinity;

/// <summary>Access tokens carry the localpart, so the router knows the user without a database.</summary>
public class AccessTokenLocalpartTests
{
    [TestCase("alice")]
    [TestCase("a")]
    [TestCase("bob.smith_99=x/y-z")]
    [TestCase("???")] // Base64 "Pz8_": a '_' inside the localpart's part
    [TestCase(">>>")] // Base64 "Pj4-"
    public void Generated_token_gives_back_its_localpart(string localpart)
    {
        var token = AccessTokens.Generate(UserId.Parse($"@{localpart}:example.org"));

        Assert.That(AccessTokens.TryReadLocalpart(token, out var read), Is.True, token);
        Assert.That(read, Is.EqualTo(localpart));
        Assert.That(AccessTokens.LooksValid(token), Is.True);
    }

    [Test]
    public void Two_tokens_of_one_user_differ()
    {
        var user = UserId.Parse("@alice:example.org");

        var first = AccessTokens.Generate(user);
        var second = AccessTokens.Generate(user);

        Assert.That(second, Is.Not.EqualTo(first));
    }

    [Test]
    public void Token_of_the_longest_user_id_is_within_the_length_limit()
    {
        var user = UserId.Parse($"@{new string('a', 255 - ":example.org".Length - 1)}:example.org");

        var token = AccessTokens.Generate(user);

        Assert.That(token, Has.Length.LessThanOrEqualTo(AccessTokens.MaxLength));
        Assert.That(AccessTokens.TryReadLocalpart(token, out var read), Is.True);
        Assert.That(read, Is.EqualTo(user.Localpart));
    }

    [TestCase("ct_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", TestName = "Old format token has no localpart")]
    [TestCase("xx_YWxpY2U_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", TestName = "Token without the prefix has no localpart")]
    [TestCase("ct__abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", TestName = "Token with an empty localpart has none")]
    [TestCase("ct_YWxpY2U*abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", TestName = "Token without the separator has no localpart")]
    [TestCase("ct_YW!pY2U_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", TestName = "Token with bad Base64 has no localpart")]
    [TestCase("ct_YWxpY_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", TestName = "Token with an impossible Base64 length has no localpart")]
    [TestCase("ct_gA_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", TestName = "Token whose localpart is not UTF-8 has none")]
    [TestCase("", TestName = "Empty token has no localpart")]
    public void Malformed_token_has_no_localpart(string token)
    {
        Assert.That(AccessTokens.TryReadLocalpart(token, out _), Is.False);
    }

    [Test]
    public void Overlong_token_has_no_localpart()
    {
        var token = "ct_" + new string('A', AccessTokens.MaxLength) + "_" + new string('B', 43);

        Assert.That(AccessTokens.TryReadLocalpart(token, out _), Is.False);
    }

    [Test]
    public void Affinity_key_of_a_new_token_is_its_user()
    {
        var token = AccessTokens.Generate(UserId.Parse("@alice:example.org"));

        Assert.That(SyncAffinityKey.Of(token), Is.EqualTo("user:alice"));
    }

    [Test]
    public void Affinity_key_of_an_old_token_is_the_token()
    {
        const string token = "ct_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";

        Assert.That(SyncAffinityKey.Of(token), Is.EqualTo("token:" + token));
    }

    [Test]
    public void Affinity_key_is_read_from_the_bearer_header()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer " + AccessTokens.Generate(UserId.Parse("@bob:example.org"));

        Assert.That(SyncAffinityKey.Of(context.Request), Is.EqualTo("user:bob"));
    }

    [Test]
    public void Affinity_key_is_read_from_the_access_token_parameter()
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = QueryString.Create("access_token", AccessTokens.Generate(UserId.Parse("@carol:example.org")));

        Assert.That(SyncAffinityKey.Of(context.Request), Is.EqualTo("user:carol"));
    }

    [Test]
    public void Request_without_a_token_has_no_affinity_key()
    {
        Assert.That(SyncAffinityKey.Of(new DefaultHttpContext().Request), Is.Null);
    }
}
