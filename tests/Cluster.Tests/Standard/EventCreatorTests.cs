using System.Text.Json.Nodes;
using Cluster.ClusterTests.Fixtures;

namespace Cluster.ClusterTests.Standard;

/// <summary>The event creator alone in its process: membership and redactions, persisted by the rooms' owners.</summary>
public sealed class EventCreatorTests : StandardClusterTest
{
    [Test]
    public async Task Invite_join_and_leave_through_the_creator_show_on_the_client_reader()
    {
        var alice = await Cluster.RegisterUserAsync();
        var bob = await Cluster.RegisterUserAsync();
        using var aliceCreator = Cluster.Client(Creator, alice);
        using var bobCreator = Cluster.Client(Creator, bob);
        using var reader = Cluster.Client(ClientReader, alice);
        var room = await aliceCreator.CreateRoomAsync();

        (await aliceCreator.PostAsync($"/_matrix/client/v3/rooms/{room}/invite", new JsonObject { ["user_id"] = bob.UserId })).Ok();
        (await bobCreator.PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString(room)}", new JsonObject())).Ok();
        var joined = (await reader.GetAsync($"/_matrix/client/v3/rooms/{room}/joined_members")).Ok();
        (await bobCreator.PostAsync($"/_matrix/client/v3/rooms/{room}/leave", new JsonObject())).Ok();
        var afterLeave = (await reader.GetAsync($"/_matrix/client/v3/rooms/{room}/joined_members")).Ok();

        Assert.Multiple(() =>
        {
            Assert.That(joined["joined"]!.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { alice.UserId, bob.UserId }));
            Assert.That(afterLeave["joined"]!.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { alice.UserId }));
        });
    }

    [Test]
    public async Task A_redaction_through_the_creator_strips_the_event_read_on_the_client_reader()
    {
        var alice = await Cluster.RegisterUserAsync();
        using var creator = Cluster.Client(Creator, alice);
        using var reader = Cluster.Client(ClientReader, alice);
        var room = await creator.CreateRoomAsync();
        var message = await creator.SendTextAsync(room, "regret");

        (await creator.PutAsync($"/_matrix/client/v3/rooms/{room}/redact/{Uri.EscapeDataString(message)}/r1", new JsonObject())).Ok();

        var ev = (await reader.GetAsync($"/_matrix/client/v3/rooms/{room}/event/{Uri.EscapeDataString(message)}")).Ok();
        Assert.That(ev["content"]!.AsObject(), Is.Empty);
    }

    [Test]
    public async Task A_state_event_put_through_the_creator_reads_back_on_the_client_reader()
    {
        var alice = await Cluster.RegisterUserAsync();
        using var creator = Cluster.Client(Creator, alice);
        using var reader = Cluster.Client(ClientReader, alice);
        var room = await creator.CreateRoomAsync();

        (await creator.PutAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.topic", new JsonObject { ["topic"] = "sharded" })).Ok();

        var topic = (await reader.GetAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.topic")).Ok();
        Assert.That(topic["topic"]?.GetValue<string>(), Is.EqualTo("sharded"));
    }
}
