using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Directory;

/// <summary>The room directory's answers to requests that list nothing or are malformed.</summary>
public class PublicRoomsInputTests : HomeserverFixture
{
    private TestUser _alice = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
    }

    [Test]
    public async Task An_empty_directory_lists_no_rooms_without_authentication()
    {
        using var anonymous = Server.NewClient();
        var page = (await anonymous.GetAsync("/_matrix/client/v3/publicRooms")).Ok();
        Assert.That(page["chunk"]!.AsArray(), Is.Empty);
        Assert.That(page["total_room_count_estimate"]!.GetValue<int>(), Is.Zero);
        Assert.That(page.ContainsKey("next_batch"), Is.False);
    }

    [Test]
    public async Task Searching_the_directory_needs_an_access_token()
    {
        using var anonymous = Server.NewClient();
        var response = await anonymous.PostAsync("/_matrix/client/v3/publicRooms", new JsonObject());
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_TOKEN"));
    }

    [TestCase("limit=abc")]
    [TestCase("limit=-1")]
    [TestCase("since=garbage")]
    public async Task A_malformed_query_is_400_M_INVALID_PARAM(string query)
    {
        var response = await _alice.Client.GetAsync($"/_matrix/client/v3/publicRooms?{query}");
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task A_filter_that_is_not_an_object_is_400_M_BAD_JSON()
    {
        var response = await _alice.Client.PostAsync("/_matrix/client/v3/publicRooms", new JsonObject { ["filter"] = "rooms" });
        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task The_directory_of_a_server_that_cannot_be_found_is_502_M_UNKNOWN()
    {
        // .invalid never resolves (RFC 6761).
        var response = await _alice.Client.GetAsync("/_matrix/client/v3/publicRooms?server=elsewhere.invalid");
        Assert.That((int)response.Status, Is.EqualTo(502), response.Body?.ToJsonString());
        Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN"));
    }

    [Test]
    public async Task Visibility_of_an_unknown_room_is_404_M_NOT_FOUND()
    {
        var response = await _alice.Client.GetAsync($"/_matrix/client/v3/directory/list/room/{Uri.EscapeDataString("!nowhere:" + Server.ServerName)}");
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task Visibility_of_something_that_is_not_a_room_id_is_400_M_INVALID_PARAM()
    {
        var response = await _alice.Client.GetAsync("/_matrix/client/v3/directory/list/room/not-a-room");
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task Listing_an_unknown_room_is_404_M_NOT_FOUND()
    {
        var response = await _alice.Client.PutAsync($"/_matrix/client/v3/directory/list/room/{Uri.EscapeDataString("!nowhere:" + Server.ServerName)}",
            new JsonObject { ["visibility"] = "public" });
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }
}
