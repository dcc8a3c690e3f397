using System.Net;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Shared.RoomVersions;

namespace Cluster.ClientApi.Tests.Discovery;

/// <summary>GET /.well-known/matrix/client and GET /capabilities.</summary>
public class DiscoveryTests
{
    private Homeserver _server = null!;

    [OneTimeSetUp]
    public async Task Start() => _server = await Homeserver.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public async Task Well_known_without_public_base_url_names_the_request_host()
    {
        using var client = _server.NewClient();

        var response = (await client.GetAsync("/.well-known/matrix/client")).Ok();

        Assert.That(response["m.homeserver"]!["base_url"]!.GetValue<string>(), Is.EqualTo(_server.BaseAddress.ToString().TrimEnd('/')));
    }

    [Test]
    public async Task Well_known_has_cors_headers()
    {
        using var client = _server.NewClient();

        using var response = await client.Http.GetAsync("/.well-known/matrix/client");

        Assert.That(response.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "*" }));
    }

    [Test]
    public async Task Capabilities_lists_room_versions_with_the_default()
    {
        var user = await _server.RegisterUserAsync();

        var capabilities = (await user.Client.GetAsync("/_matrix/client/v3/capabilities")).Ok()["capabilities"]!;

        Assert.That(capabilities["m.room_versions"]!["default"]!.GetValue<string>(), Is.EqualTo(RoomVersions.Default.Id));
        var available = capabilities["m.room_versions"]!["available"]!.AsObject();
        Assert.That(available[RoomVersions.Default.Id]!.GetValue<string>(), Is.EqualTo("stable"));
        Assert.That(available.Select(p => p.Key), Is.SupersetOf(new[] { "2", "10", "11", "12" }));
    }

    [Test]
    public async Task Capabilities_enable_password_and_profile_changes_but_not_3pids()
    {
        var user = await _server.RegisterUserAsync();

        var capabilities = (await user.Client.GetAsync("/_matrix/client/v3/capabilities")).Ok()["capabilities"]!;

        Assert.That(capabilities["m.change_password"]!["enabled"]!.GetValue<bool>(), Is.True);
        Assert.That(capabilities["m.set_displayname"]!["enabled"]!.GetValue<bool>(), Is.True);
        Assert.That(capabilities["m.set_avatar_url"]!["enabled"]!.GetValue<bool>(), Is.True);
        Assert.That(capabilities["m.3pid_changes"]!["enabled"]!.GetValue<bool>(), Is.False);
    }

    [Test]
    public async Task Capabilities_without_token_is_401_M_MISSING_TOKEN()
    {
        using var client = _server.NewClient();

        var response = await client.GetAsync("/_matrix/client/v3/capabilities");

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_TOKEN"));
    }
}

/// <summary>With Cluster:PublicBaseUrl set, well-known names it whatever host the request used.</summary>
public class ConfiguredWellKnownTests
{
    private Homeserver _server = null!;

    [OneTimeSetUp]
    public async Task Start() =>
        _server = await Homeserver.StartAsync(new Dictionary<string, string> { ["Cluster:PublicBaseUrl"] = "https://matrix.example.org/" });

    [OneTimeTearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public async Task Well_known_names_the_configured_public_base_url()
    {
        using var client = _server.NewClient();

        var response = (await client.GetAsync("/.well-known/matrix/client")).Ok();

        Assert.That(response["m.homeserver"]!["base_url"]!.GetValue<string>(), Is.EqualTo("https://matrix.example.org"));
    }
}
