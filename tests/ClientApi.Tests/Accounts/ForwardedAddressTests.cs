using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>
/// Behind the router every request comes from the router's address; the process takes the
/// client's from X-Forwarded-For when the sender is loopback (the router), so devices record it.
/// </summary>
public class ForwardedAddressTests : HomeserverFixture
{
    [Test]
    public async Task Login_from_loopback_records_the_forwarded_client_address()
    {
        var user = await Server.RegisterUserAsync();
        using var anonymous = Server.NewClient();
        var body = new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user.UserId },
            ["password"] = user.Password,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_matrix/client/v3/login")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var response = await anonymous.Http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var login = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        var device = (await user.Client.GetAsync($"/_matrix/client/v3/devices/{login["device_id"]!.GetValue<string>()}")).Ok();

        Assert.That(device["last_seen_ip"]!.GetValue<string>(), Is.EqualTo("203.0.113.7"));
    }

    [Test]
    public async Task Login_without_forwarded_headers_records_the_connection_address()
    {
        var user = await Server.RegisterUserAsync();

        var device = (await user.Client.GetAsync($"/_matrix/client/v3/devices/{user.DeviceId}")).Ok();

        Assert.That(device["last_seen_ip"]!.GetValue<string>(), Is.EqualTo("127.0.0.1"));
    }
}
