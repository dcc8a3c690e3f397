using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using static Cluster.ClientApi.Tests.Rooms.RoomTestHelpers;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>PUT, GET and DELETE /directory/room/{alias} and GET /rooms/{id}/aliases.</summary>
public class AliasTests : HomeserverFixture
{
    private TestUser _alice = null!;
    private TestUser _bob = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
        _bob = await Server.RegisterUserAsync();
    }

    private string NewAlias() => $"#a-{Guid.NewGuid():N}:{Server.ServerName}";

    private static string AliasPath(string alias) => $"{V3}/directory/room/{Uri.EscapeDataString(alias)}";

    [Test]
    public async Task An_alias_maps_to_its_room_until_deleted()
    {
        var room = await _alice.CreateRoomAsync();
        var alias = NewAlias();
        (await _alice.Client.PutAsync(AliasPath(alias), new JsonObject { ["room_id"] = room })).Ok();
        var resolved = (await _bob.Client.GetAsync(AliasPath(alias))).Ok();
        Assert.That(resolved["room_id"].Str(), Is.EqualTo(room));
        Assert.That(resolved["servers"]!.AsArray().Select(s => s.Str()), Is.EqualTo(new[] { Server.ServerName }));
        (await _alice.Client.DeleteAsync(AliasPath(alias))).Ok();
        (await _alice.Client.GetAsync(AliasPath(alias))).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task A_taken_alias_is_409()
    {
        var room = await _alice.CreateRoomAsync();
        var alias = NewAlias();
        (await _alice.Client.PutAsync(AliasPath(alias), new JsonObject { ["room_id"] = room })).Ok();
        (await _alice.Client.PutAsync(AliasPath(alias), new JsonObject { ["room_id"] = room })).ExpectError(HttpStatusCode.Conflict, "M_UNKNOWN");
    }

    [Test]
    public async Task An_alias_of_another_server_cannot_be_created()
    {
        var room = await _alice.CreateRoomAsync();
        var response = await _alice.Client.PutAsync(AliasPath("#x:elsewhere.example"), new JsonObject { ["room_id"] = room });
        response.ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task A_malformed_alias_is_400_M_INVALID_PARAM()
    {
        (await _alice.Client.GetAsync(AliasPath("no-sigil"))).ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Test]
    public async Task Only_members_can_give_a_room_an_alias()
    {
        var room = await _alice.CreateRoomAsync();
        (await _bob.Client.PutAsync(AliasPath(NewAlias()), new JsonObject { ["room_id"] = room })).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task Someone_else_cannot_delete_an_alias()
    {
        var room = await _alice.CreatePublicRoomAsync();
        (await _bob.JoinAsync(room)).Ok();
        var alias = NewAlias();
        (await _alice.Client.PutAsync(AliasPath(alias), new JsonObject { ["room_id"] = room })).Ok();
        (await _bob.Client.DeleteAsync(AliasPath(alias))).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task A_room_admin_can_delete_an_alias_someone_else_created()
    {
        var room = await _alice.CreatePublicRoomAsync();
        (await _bob.JoinAsync(room)).Ok();
        var alias = NewAlias();
        (await _bob.Client.PutAsync(AliasPath(alias), new JsonObject { ["room_id"] = room })).Ok();
        (await _alice.Client.DeleteAsync(AliasPath(alias))).Ok();
    }

    [Test]
    public async Task Deleting_an_unknown_alias_is_404()
    {
        (await _alice.Client.DeleteAsync(AliasPath(NewAlias()))).ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task A_room_lists_its_local_aliases_to_members_only()
    {
        var room = await _alice.CreateRoomAsync();
        var first = NewAlias();
        var second = NewAlias();
        (await _alice.Client.PutAsync(AliasPath(first), new JsonObject { ["room_id"] = room })).Ok();
        (await _alice.Client.PutAsync(AliasPath(second), new JsonObject { ["room_id"] = room })).Ok();
        var aliases = (await _alice.Client.GetAsync($"{V3}/rooms/{Path(room)}/aliases")).Ok()["aliases"]!.AsArray().Select(a => a.Str());
        Assert.That(aliases, Is.EquivalentTo(new[] { first, second }));
        (await _bob.Client.GetAsync($"{V3}/rooms/{Path(room)}/aliases")).ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }
}
