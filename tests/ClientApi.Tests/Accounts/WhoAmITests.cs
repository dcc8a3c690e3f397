using System.Net;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>GET /account/whoami and the access token check it stands for.</summary>
public class WhoAmITests : HomeserverFixture
{
    private const string WhoAmI = "/_matrix/client/v3/account/whoami";

    [Test]
    public async Task Whoami_returns_user_device_and_is_guest_false()
    {
        var user = await Server.RegisterUserAsync();

        var response = (await user.Client.GetAsync(WhoAmI)).Ok();

        Assert.That(response["user_id"]!.GetValue<string>(), Is.EqualTo(user.UserId));
        Assert.That(response["device_id"]!.GetValue<string>(), Is.EqualTo(user.DeviceId));
        Assert.That(response["is_guest"]!.GetValue<bool>(), Is.False);
    }

    [Test]
    public async Task Whoami_accepts_the_token_as_query_parameter()
    {
        var user = await Server.RegisterUserAsync();
        using var client = Server.NewClient();

        var response = (await client.GetAsync($"{WhoAmI}?access_token={Uri.EscapeDataString(user.AccessToken)}")).Ok();

        Assert.That(response["user_id"]!.GetValue<string>(), Is.EqualTo(user.UserId));
    }

    [Test]
    public async Task Whoami_without_token_is_401_M_MISSING_TOKEN()
    {
        using var client = Server.NewClient();

        var response = await client.GetAsync(WhoAmI);

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_TOKEN"));
    }

    [TestCase("ct_made-up")]
    [TestCase("not-even-our-format")]
    [TestCase("ct_' OR '1'='1")]
    public async Task Whoami_with_unknown_token_is_401_M_UNKNOWN_TOKEN(string token)
    {
        using var client = Server.NewClient(token);

        var response = await client.GetAsync(WhoAmI);

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN_TOKEN"));
        Assert.That(response.Object["soft_logout"]!.GetValue<bool>(), Is.False);
    }

    [Test]
    public async Task Whoami_with_huge_token_is_401_M_UNKNOWN_TOKEN()
    {
        using var client = Server.NewClient("ct_" + new string('x', 8000));

        var response = await client.GetAsync(WhoAmI);

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN_TOKEN"));
    }
}
