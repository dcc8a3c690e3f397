using System.Text.Json.Nodes;
using Cluster.ClusterTests.Fixtures;

namespace Cluster.ClusterTests.Standard;

/// <summary>The client reader alone in its process: accounts, profiles, room reads and the directory, over what other processes wrote.</summary>
public sealed class ClientReaderTests : StandardClusterTest
{
    [Test]
    public async Task A_token_from_a_login_on_the_client_reader_is_accepted_by_the_creator()
    {
        var user = await Cluster.RegisterUserAsync();
        using var reader = Cluster.Client(ClientReader);
        var login = (await reader.PostAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user.UserId },
            ["password"] = user.Password,
        })).Ok();

        using var creator = Cluster.Client(Creator, login["access_token"]!.GetValue<string>());
        Assert.That(await creator.CreateRoomAsync(), Does.StartWith("!"));
    }

    [Test]
    public async Task A_display_name_set_on_the_client_reader_updates_the_member_event_through_the_creator()
    {
        var user = await Cluster.RegisterUserAsync();
        using var creator = Cluster.Client(Creator, user);
        using var reader = Cluster.Client(ClientReader, user);
        var room = await creator.CreateRoomAsync();

        (await reader.PutAsync($"/_matrix/client/v3/profile/{user.UserId}/displayname", new JsonObject { ["displayname"] = "Renamed" })).Ok();

        var member = (await reader.GetAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.member/{user.UserId}")).Ok();
        Assert.That(member["displayname"]?.GetValue<string>(), Is.EqualTo("Renamed"));
    }

    [Test]
    public async Task State_members_and_messages_of_a_room_written_elsewhere_read_on_the_client_reader()
    {
        var user = await Cluster.RegisterUserAsync();
        using var creator = Cluster.Client(Creator, user);
        using var reader = Cluster.Client(ClientReader, user);
        var room = await creator.CreateRoomAsync(new JsonObject { ["name"] = "Readable" });
        var message = await creator.SendTextAsync(room, "read me");

        var name = (await reader.GetAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.name")).Ok();
        var joined = (await reader.GetAsync($"/_matrix/client/v3/rooms/{room}/joined_members")).Ok();
        var rooms = (await reader.GetAsync("/_matrix/client/v3/joined_rooms")).Ok();
        var messages = (await reader.GetAsync($"/_matrix/client/v3/rooms/{room}/messages?dir=b&limit=5")).Ok();
        var ev = (await reader.GetAsync($"/_matrix/client/v3/rooms/{room}/event/{Uri.EscapeDataString(message)}")).Ok();

        Assert.Multiple(() =>
        {
            Assert.That(name["name"]?.GetValue<string>(), Is.EqualTo("Readable"));
            Assert.That(joined["joined"]?.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { user.UserId }));
            Assert.That(rooms["joined_rooms"]!.AsArray().Select(r => r!.GetValue<string>()), Does.Contain(room));
            Assert.That(messages["chunk"]!.AsArray().HasEvent(message), Is.True);
            Assert.That(ev["content"]?["body"]?.GetValue<string>(), Is.EqualTo("read me"));
        });
    }

    [Test]
    public async Task A_public_room_created_through_the_creator_is_listed_on_the_client_reader()
    {
        var user = await Cluster.RegisterUserAsync();
        using var creator = Cluster.Client(Creator, user);
        using var reader = Cluster.Client(ClientReader, user);
        var room = await creator.CreateRoomAsync(new JsonObject { ["visibility"] = "public", ["name"] = "Listed" });

        var listed = (await reader.GetAsync("/_matrix/client/v3/publicRooms?limit=100")).Ok();
        Assert.That(listed["chunk"]!.AsArray().Select(r => r?["room_id"]?.GetValue<string>()), Does.Contain(room));
    }

    [Test]
    public async Task An_alias_set_through_the_creator_resolves_on_the_client_reader()
    {
        var user = await Cluster.RegisterUserAsync();
        using var creator = Cluster.Client(Creator, user);
        using var reader = Cluster.Client(ClientReader, user);
        var room = await creator.CreateRoomAsync();
        var alias = $"#alias-{Guid.NewGuid():N}:{Cluster.ServerName}";

        (await creator.PutAsync($"/_matrix/client/v3/directory/room/{Uri.EscapeDataString(alias)}", new JsonObject { ["room_id"] = room })).Ok();

        var resolved = (await reader.GetAsync($"/_matrix/client/v3/directory/room/{Uri.EscapeDataString(alias)}")).Ok();
        Assert.That(resolved["room_id"]?.GetValue<string>(), Is.EqualTo(room));
    }
}
