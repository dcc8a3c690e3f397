using System.Net;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Discovery;

/// <summary>What every client API request gets, whatever the endpoint: CORS, errors, limits.</summary>
public class PlumbingTests
{
    private Homeserver _server = null!;
    private MatrixTestClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _server = await Homeserver.StartAsync();
        _client = _server.NewClient();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Versions_is_served_with_cors_headers()
    {
        using var response = await _client.Http.GetAsync("/_matrix/client/versions");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "*" }));
    }

    [Test]
    public async Task Cors_preflight_is_answered_without_authentication()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/_matrix/client/v3/account/whoami");
        request.Headers.Add("Origin", "https://app.example");
        request.Headers.Add("Access-Control-Request-Method", "GET");
        using var response = await _client.Http.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.LessThan(300));
        Assert.That(response.Headers.GetValues("Access-Control-Allow-Headers").Single(), Does.Contain("Authorization"));
    }

    [Test]
    public async Task Unknown_endpoint_is_404_M_UNRECOGNIZED()
    {
        var response = await _client.GetAsync("/_matrix/client/v3/no/such/thing");
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.ErrCode, Is.EqualTo("M_UNRECOGNIZED"));
    }
}
