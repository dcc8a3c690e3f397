using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using static Cluster.ClientApi.Tests.Rooms.RoomTestHelpers;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>A profile change sends a new join event into every room the user is joined to.</summary>
public class ProfilePropagationTests : HomeserverFixture
{
    private TestUser _alice = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
    }

    private static string ProfilePath(string userId, string field) => $"{V3}/profile/{Uri.EscapeDataString(userId)}/{field}";

    [Test]
    public async Task A_new_display_name_reaches_every_joined_room()
    {
        var bob = await Server.RegisterUserAsync();
        var first = await _alice.CreatePublicRoomAsync();
        var second = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(first)).Ok();
        (await bob.JoinAsync(second)).Ok();
        (await bob.Client.PutAsync(ProfilePath(bob.UserId, "displayname"), new JsonObject { ["displayname"] = "Robert" })).Ok();
        foreach (var room in new[] { first, second })
        {
            var member = (await _alice.GetStateEventAsync(room, "m.room.member", bob.UserId)).Ok();
            Assert.That(member["content"]!["displayname"].Str(), Is.EqualTo("Robert"));
            Assert.That(member["content"]!["membership"].Str(), Is.EqualTo("join"));
            Assert.That(member["unsigned"]!["prev_content"]!["membership"].Str(), Is.EqualTo("join"));
        }
    }

    [Test]
    public async Task A_new_avatar_keeps_the_display_name()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.Client.PutAsync(ProfilePath(bob.UserId, "displayname"), new JsonObject { ["displayname"] = "Bee" })).Ok();
        (await bob.JoinAsync(room)).Ok();
        (await bob.Client.PutAsync(ProfilePath(bob.UserId, "avatar_url"), new JsonObject { ["avatar_url"] = "mxc://test.local/face" })).Ok();
        var content = (await _alice.GetStateAsync(room, "m.room.member", bob.UserId)).Ok();
        Assert.That(content["displayname"].Str(), Is.EqualTo("Bee"));
        Assert.That(content["avatar_url"].Str(), Is.EqualTo("mxc://test.local/face"));
    }

    [Test]
    public async Task Rooms_the_user_left_are_not_touched()
    {
        var bob = await Server.RegisterUserAsync();
        var room = await _alice.CreatePublicRoomAsync();
        (await bob.JoinAsync(room)).Ok();
        (await bob.LeaveAsync(room)).Ok();
        var before = (await _alice.GetStateEventAsync(room, "m.room.member", bob.UserId)).Ok()["event_id"].Str();
        (await bob.Client.PutAsync(ProfilePath(bob.UserId, "displayname"), new JsonObject { ["displayname"] = "Gone" })).Ok();
        var after = (await _alice.GetStateEventAsync(room, "m.room.member", bob.UserId)).Ok();
        Assert.That(after["event_id"].Str(), Is.EqualTo(before));
        Assert.That(after["content"]!["membership"].Str(), Is.EqualTo("leave"));
    }
}
