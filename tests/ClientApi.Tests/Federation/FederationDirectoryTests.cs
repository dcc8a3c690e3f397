using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Federation.Client;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// A's directories as B reads them through its signed federation client: room aliases
/// (<c>/query/directory</c>) and the public room list (<c>/publicRooms</c>).
/// </summary>
public class FederationDirectoryTests : TwoServerFixture
{
    private string _roomId = null!;
    private string _alias = null!;

    protected override async Task OnStartedAsync()
    {
        var localpart = "lobby" + Guid.NewGuid().ToString("N")[..8];
        _roomId = await Alice.CreateRoomAsync(new JsonObject
        {
            ["room_alias_name"] = localpart, ["preset"] = "public_chat", ["visibility"] = "public", ["name"] = "The lobby " + localpart,
        });
        await Alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat", ["visibility"] = "public", ["name"] = "Elsewhere" });
        await Alice.CreateRoomAsync(new JsonObject { ["name"] = "Private" });
        _alias = $"#{localpart}:{A.ServerName}";
    }

    private Task<FederationResponse> QueryFromBAsync(string query) =>
        FromBAsync(HttpMethod.Get, "/_matrix/federation/v1/query/directory" + query);

    private static IEnumerable<string> Names(FederationResponse response) =>
        response.Body?["chunk"]?.AsArray().Select(r => r?["name"]?.GetValue<string>() ?? "") ?? [];

    [Test]
    public async Task A_local_alias_resolves_to_its_room_and_this_server()
    {
        var response = await QueryFromBAsync($"?room_alias={Uri.EscapeDataString(_alias)}");
        Assert.Multiple(() =>
        {
            Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
            Assert.That(response.Body?["room_id"]?.GetValue<string>(), Is.EqualTo(_roomId));
            Assert.That(response.Body?["servers"]?.AsArray().Select(s => s!.GetValue<string>()), Is.EqualTo(new[] { A.ServerName }));
        });
    }

    [Test]
    public async Task An_unknown_alias_is_404_M_NOT_FOUND()
    {
        var response = await QueryFromBAsync($"?room_alias={Uri.EscapeDataString($"#nothing-here:{A.ServerName}")}");
        ExpectError(response, 404, "M_NOT_FOUND");
    }

    [Test]
    public async Task An_alias_of_another_server_is_404_M_NOT_FOUND()
    {
        var response = await QueryFromBAsync($"?room_alias={Uri.EscapeDataString($"#lobby:{B.ServerName}")}");
        ExpectError(response, 404, "M_NOT_FOUND");
    }

    [Test]
    public async Task A_missing_alias_is_400_M_MISSING_PARAM()
    {
        var response = await QueryFromBAsync("");
        ExpectError(response, 400, "M_MISSING_PARAM");
    }

    [Test]
    public async Task A_malformed_alias_is_400_M_INVALID_PARAM()
    {
        var response = await QueryFromBAsync("?room_alias=not-an-alias");
        ExpectError(response, 400, "M_INVALID_PARAM");
    }

    [Test]
    public async Task An_unsigned_query_is_401_M_UNAUTHORIZED()
    {
        using var http = new HttpClient { BaseAddress = A.BaseAddress };
        using var response = await http.GetAsync($"/_matrix/federation/v1/query/directory?room_alias={Uri.EscapeDataString(_alias)}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Public_rooms_lists_the_public_rooms_only()
    {
        var response = await FromBAsync(HttpMethod.Get, "/_matrix/federation/v1/publicRooms");
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        Assert.That(Names(response), Does.Contain("Elsewhere").And.Some.StartsWith("The lobby").And.No.EqualTo("Private"));
        var lobby = response.Body!["chunk"]!.AsArray().Single(r => r!["room_id"]!.GetValue<string>() == _roomId)!;
        Assert.That(lobby["canonical_alias"]?.GetValue<string>(), Is.EqualTo(_alias));
    }

    [Test]
    public async Task Public_rooms_pages_with_limit_and_next_batch()
    {
        var first = await FromBAsync(HttpMethod.Get, "/_matrix/federation/v1/publicRooms?limit=1");
        Assert.That(first.Body?["chunk"]?.AsArray(), Has.Count.EqualTo(1));
        var next = first.Body!["next_batch"]!.GetValue<string>();
        var second = await FromBAsync(HttpMethod.Get, $"/_matrix/federation/v1/publicRooms?limit=1&since={next}");
        Assert.That(Names(second).ToList(), Is.Not.EqualTo(Names(first).ToList()).And.Count.EqualTo(1));
    }

    [Test]
    public async Task Public_rooms_post_filters_by_search_term()
    {
        var response = await FromBAsync(HttpMethod.Post, "/_matrix/federation/v1/publicRooms",
            new JsonObject { ["filter"] = new JsonObject { ["generic_search_term"] = "lobby" }, ["include_all_networks"] = false });
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        Assert.That(Names(response), Has.All.StartsWith("The lobby").And.Not.Empty);
    }

    [Test]
    public async Task Public_rooms_with_a_bad_limit_is_400_M_INVALID_PARAM()
    {
        var response = await FromBAsync(HttpMethod.Get, "/_matrix/federation/v1/publicRooms?limit=lots");
        ExpectError(response, 400, "M_INVALID_PARAM");
    }

    [Test]
    public async Task Public_rooms_post_with_a_filter_that_is_not_an_object_is_400_M_BAD_JSON()
    {
        var response = await FromBAsync(HttpMethod.Post, "/_matrix/federation/v1/publicRooms", new JsonObject { ["filter"] = "lobby" });
        ExpectError(response, 400, "M_BAD_JSON");
    }

    [Test]
    public async Task Public_rooms_unsigned_is_401_M_UNAUTHORIZED()
    {
        using var http = new HttpClient { BaseAddress = A.BaseAddress };
        using var response = await http.GetAsync("/_matrix/federation/v1/publicRooms");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
