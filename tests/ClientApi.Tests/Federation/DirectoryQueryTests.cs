using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Identifiers;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// <c>GET /_matrix/federation/v1/query/directory</c> between two real homeservers: B resolves A's
/// room aliases through its signed federation client.
/// </summary>
public class DirectoryQueryTests
{
    private Homeserver _a = null!;
    private Homeserver _b = null!;
    private string _roomId = null!;
    private string _alias = null!;

    [OneTimeSetUp]
    public async Task StartServers()
    {
        _a = await FederatedServers.StartAsync();
        _b = await FederatedServers.StartAsync();
        var alice = await _a.RegisterUserAsync();
        var localpart = "lobby" + Guid.NewGuid().ToString("N")[..8];
        _roomId = await alice.CreateRoomAsync(new JsonObject { ["room_alias_name"] = localpart, ["preset"] = "public_chat" });
        _alias = $"#{localpart}:{_a.ServerName}";
    }

    [OneTimeTearDown]
    public async Task StopServers()
    {
        if (_a is not null) await _a.DisposeAsync();
        if (_b is not null) await _b.DisposeAsync();
    }

    private Task<FederationResponse> QueryFromBAsync(string query) =>
        _b.Services.GetRequiredService<FederationClient>().SendAsync(
            ServerName.Parse(_a.ServerName), HttpMethod.Get, "/_matrix/federation/v1/query/directory" + query, null, CancellationToken.None);

    [Test]
    public async Task A_local_alias_resolves_to_its_room_and_this_server()
    {
        var response = await QueryFromBAsync($"?room_alias={Uri.EscapeDataString(_alias)}");
        Assert.Multiple(() =>
        {
            Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
            Assert.That(response.Body?["room_id"]?.GetValue<string>(), Is.EqualTo(_roomId));
            Assert.That(response.Body?["servers"]?.AsArray().Select(s => s!.GetValue<string>()), Is.EqualTo(new[] { _a.ServerName }));
        });
    }

    [Test]
    public async Task An_unknown_alias_is_404_M_NOT_FOUND()
    {
        var response = await QueryFromBAsync($"?room_alias={Uri.EscapeDataString($"#nothing-here:{_a.ServerName}")}");
        Assert.That(response.Status, Is.EqualTo(404));
        Assert.That(response.Body?["errcode"]?.GetValue<string>(), Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task An_alias_of_another_server_is_404_M_NOT_FOUND()
    {
        var response = await QueryFromBAsync($"?room_alias={Uri.EscapeDataString($"#lobby:{_b.ServerName}")}");
        Assert.That(response.Status, Is.EqualTo(404));
        Assert.That(response.Body?["errcode"]?.GetValue<string>(), Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task A_missing_alias_is_400_M_MISSING_PARAM()
    {
        var response = await QueryFromBAsync("");
        Assert.That(response.Status, Is.EqualTo(400));
        Assert.That(response.Body?["errcode"]?.GetValue<string>(), Is.EqualTo("M_MISSING_PARAM"));
    }

    [Test]
    public async Task A_malformed_alias_is_400_M_INVALID_PARAM()
    {
        var response = await QueryFromBAsync("?room_alias=not-an-alias");
        Assert.That(response.Status, Is.EqualTo(400));
        Assert.That(response.Body?["errcode"]?.GetValue<string>(), Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task An_unsigned_query_is_401_M_UNAUTHORIZED()
    {
        using var http = new HttpClient { BaseAddress = _a.BaseAddress };
        using var response = await http.GetAsync($"/_matrix/federation/v1/query/directory?room_alias={Uri.EscapeDataString(_alias)}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
