using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Federation.Client;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// A room's server ACL applied to the room endpoints another server reads (spec: "Server Access
/// Control Lists"). B is named <c>localhost:PORT</c>, so that an ACL can deny it by name without
/// denying A (<c>127.0.0.1:PORT</c>; ports are not part of ACL matching).
/// </summary>
public class ServerAclTests : TwoServerFixture
{

    protected override string HostOfB => "localhost";

    /// <summary>A room of A with B's user in it, a message, and then the given ACL; returns the room and the message.</summary>
    private async Task<(string Room, string Message)> RoomWithAclAsync(JsonObject acl)
    {
        var room = await Alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
        await MembersBuiltByA.JoinAsync(A, room, UserOfB("remote"));
        var message = await Alice.SendMessageAsync(room, "hello");
        (await Alice.PutStateAsync(room, "m.room.server_acl", "", acl)).Ok();
        return (room, message);
    }

    private static JsonObject DenyB() => new() { ["allow"] = new JsonArray("*"), ["deny"] = new JsonArray("localhost") };

    private static void ExpectForbidden(FederationResponse response) => ExpectError(response, 403, "M_FORBIDDEN");

    [Test]
    public async Task A_server_the_acl_allows_reads_the_room()
    {
        var (room, message) = await RoomWithAclAsync(new JsonObject { ["allow"] = new JsonArray("*"), ["deny"] = new JsonArray("evil.example") });
        var response = await FromBAsync($"/_matrix/federation/v1/backfill/{Esc(room)}?v={Esc(message)}&limit=2");
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
    }

    [Test]
    public async Task Event_is_403_M_FORBIDDEN_for_a_denied_server()
    {
        var (_, message) = await RoomWithAclAsync(DenyB());
        ExpectForbidden(await FromBAsync($"/_matrix/federation/v1/event/{Esc(message)}"));
    }

    [Test]
    public async Task State_is_403_M_FORBIDDEN_for_a_denied_server()
    {
        var (room, message) = await RoomWithAclAsync(DenyB());
        ExpectForbidden(await FromBAsync($"/_matrix/federation/v1/state/{Esc(room)}?event_id={Esc(message)}"));
    }

    [Test]
    public async Task State_ids_is_403_M_FORBIDDEN_for_a_denied_server()
    {
        var (room, message) = await RoomWithAclAsync(DenyB());
        ExpectForbidden(await FromBAsync($"/_matrix/federation/v1/state_ids/{Esc(room)}?event_id={Esc(message)}"));
    }

    [Test]
    public async Task Backfill_is_403_M_FORBIDDEN_for_a_denied_server()
    {
        var (room, message) = await RoomWithAclAsync(DenyB());
        ExpectForbidden(await FromBAsync($"/_matrix/federation/v1/backfill/{Esc(room)}?v={Esc(message)}&limit=2"));
    }

    [Test]
    public async Task Missing_events_is_403_M_FORBIDDEN_for_a_denied_server()
    {
        var (room, message) = await RoomWithAclAsync(DenyB());
        ExpectForbidden(await FromBAsync($"/_matrix/federation/v1/get_missing_events/{Esc(room)}",
            new JsonObject { ["earliest_events"] = new JsonArray(), ["latest_events"] = new JsonArray(message) }));
    }

    [Test]
    public async Task An_acl_that_allows_only_other_servers_denies_this_one()
    {
        var (room, message) = await RoomWithAclAsync(new JsonObject { ["allow"] = new JsonArray("127.0.0.1", "*.example") });
        ExpectForbidden(await FromBAsync($"/_matrix/federation/v1/backfill/{Esc(room)}?v={Esc(message)}&limit=2"));
    }
}
