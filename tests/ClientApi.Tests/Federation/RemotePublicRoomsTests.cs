using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Microsoft.AspNetCore.Http;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// A's client lists B's room directory (<c>/publicRooms?server=B</c>, GET and POST): A asks B's
/// <c>/_matrix/federation/v1/publicRooms</c> and passes the answer on, of the spec's shape only.
/// </summary>
public class RemotePublicRoomsTests : TwoServerFixture
{
    private string _lobby = null!;

    protected override IReadOnlyDictionary<string, string> SettingsOfA =>
        new Dictionary<string, string> { ["Cluster:Federation:RequestTimeout"] = "00:00:10" };

    protected override async Task OnStartedAsync()
    {
        var bob = await B.RegisterUserAsync();
        _lobby = await bob.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat", ["visibility"] = "public", ["name"] = "B's lobby" });
        await bob.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat", ["visibility"] = "public", ["name"] = "B's garden" });
        await bob.CreateRoomAsync(new JsonObject { ["name"] = "B's private room" });
        await Alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat", ["visibility"] = "public", ["name"] = "A's own" });
    }

    private static IEnumerable<string> Names(JsonObject page) => page["chunk"]!.AsArray().Select(r => r!["name"]?.GetValue<string>() ?? "");

    private Task<MatrixResponse> GetAsync(string server, string query = "") =>
        Alice.Client.GetAsync($"/_matrix/client/v3/publicRooms?server={Uri.EscapeDataString(server)}{query}");

    [Test]
    public async Task Get_with_another_server_lists_that_servers_public_rooms()
    {
        var page = (await GetAsync(B.ServerName)).Ok();
        Assert.That(Names(page), Is.EquivalentTo(new[] { "B's lobby", "B's garden" }));
        var lobby = page["chunk"]!.AsArray().Single(r => r!["room_id"].Str() == _lobby)!;
        Assert.That(lobby["num_joined_members"]!.GetValue<long>(), Is.EqualTo(1));
    }

    [Test]
    public async Task Get_with_another_server_pages_with_limit_and_since()
    {
        var first = (await GetAsync(B.ServerName, "&limit=1")).Ok();
        Assert.That(first["chunk"]!.AsArray(), Has.Count.EqualTo(1));
        var second = (await GetAsync(B.ServerName, $"&limit=1&since={Uri.EscapeDataString(first["next_batch"].Str())}")).Ok();
        Assert.That(Names(second).Concat(Names(first)), Is.EquivalentTo(new[] { "B's lobby", "B's garden" }));
    }

    [Test]
    public async Task Post_with_another_server_passes_the_search_filter_on()
    {
        var page = (await Alice.Client.PostAsync($"/_matrix/client/v3/publicRooms?server={Uri.EscapeDataString(B.ServerName)}",
            new JsonObject { ["filter"] = new JsonObject { ["generic_search_term"] = "garden" } })).Ok();
        Assert.That(Names(page), Is.EqualTo(new[] { "B's garden" }));
    }

    [Test]
    public async Task Server_naming_this_server_lists_the_local_directory()
    {
        var page = (await GetAsync(A.ServerName)).Ok();
        Assert.That(Names(page), Is.EqualTo(new[] { "A's own" }));
    }

    [Test]
    public async Task Get_with_another_server_needs_an_access_token()
    {
        using var anonymous = A.NewClient();
        var response = await anonymous.GetAsync($"/_matrix/client/v3/publicRooms?server={Uri.EscapeDataString(B.ServerName)}");
        response.ExpectError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Test]
    public async Task A_malformed_server_name_is_400_M_INVALID_PARAM()
    {
        var response = await GetAsync("not a server!");
        response.ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task A_server_that_cannot_be_reached_is_502_M_UNKNOWN()
    {
        var response = await GetAsync("127.0.0.1:1");
        response.ExpectError(HttpStatusCode.BadGateway, "M_UNKNOWN");
    }

    [Test]
    public async Task A_server_name_that_does_not_resolve_is_502_M_UNKNOWN()
    {
        var response = await Alice.Client.PostAsync("/_matrix/client/v3/publicRooms?server=no-such-server.invalid", new JsonObject());
        response.ExpectError(HttpStatusCode.BadGateway, "M_UNKNOWN");
    }

    [Test]
    public async Task An_answer_without_a_chunk_is_502_M_UNKNOWN()
    {
        await using var remote = await FakeRemoteServer.StartAsync(context => context.Response.WriteAsync("""{"rooms": []}"""));
        var response = await GetAsync(remote.ServerName);
        response.ExpectError(HttpStatusCode.BadGateway, "M_UNKNOWN");
    }

    [Test]
    public async Task Rooms_of_the_wrong_shape_in_an_answer_are_left_out()
    {
        await using var remote = await FakeRemoteServer.StartAsync(context => context.Response.WriteAsync("""
            {"chunk": [
                {"room_id": "!good:fake", "num_joined_members": 3, "world_readable": true, "guest_can_join": false, "name": "Good", "extra": 1},
                {"room_id": "not a room", "num_joined_members": 3},
                {"room_id": "!nocount:fake"},
                "not an object"
            ], "next_batch": "n1", "total_room_count_estimate": "many"}
            """));
        var page = (await GetAsync(remote.ServerName)).Ok();
        Assert.That(page.ToJsonString(), Is.EqualTo(
            """{"chunk":[{"room_id":"!good:fake","num_joined_members":3,"world_readable":true,"guest_can_join":false,"name":"Good"}],"next_batch":"n1"}"""));
    }

    [Test]
    public async Task A_404_from_the_other_server_is_404_M_NOT_FOUND()
    {
        await using var remote = await FakeRemoteServer.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return context.Response.WriteAsync("""{"errcode": "M_UNRECOGNIZED", "error": "no directory here"}""");
        });
        var response = await GetAsync(remote.ServerName);
        response.ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }
}
