using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventCreator.Building;
using Cluster.Workers.EventPersister;

namespace Cluster.ClientApi.Tests.Rooms;

/// <summary>
/// The event creator builds on the room snapshot it kept from its last send. Another writer of the
/// room (a second creator, a remote server) makes that snapshot stale: the next send must still
/// land, after the other writer's event, never forking the room.
/// </summary>
public class RoomSnapshotTests : HomeserverFixture
{
    private TestUser _alice = null!;

    protected override async Task OnStartedAsync() => _alice = await Server.RegisterUserAsync();

    // What a second event creator does: its own snapshots, the same persister.
    private async Task<string> SendAsAnotherCreatorAsync(string roomId, string body)
    {
        var loader = new RoomContextLoader(Server.Service<RoomStore>(), Server.Service<RoomStateStore>(), new RoomSnapshots());
        var room = (await loader.LoadAsync(roomId, [(RoomEventTypes.Member, _alice.UserId)], CancellationToken.None))!;
        var draft = new EventDraft("m.room.message", null, _alice.UserId, new JsonObject { ["msgtype"] = "m.text", ["body"] = body });
        await loader.LoadMoreAsync(room, AuthEventSelection.Select(room.Version, draft.Type, null, draft.Sender, draft.Content), CancellationToken.None);
        var built = await Server.Service<EventBuilder>().BuildAsync(room, draft, CancellationToken.None);
        await Server.Service<IEventPersistence>().PersistAsync(
            new PersistRequest(roomId, room.Version.Id, [new EventToPersist(built.EventId, built.CanonicalJson)]), CancellationToken.None);
        return built.EventId;
    }

    [Test]
    public async Task A_send_after_another_writer_moved_the_room_lands_after_its_event()
    {
        var roomId = await _alice.CreateRoomAsync();
        await _alice.SendMessageAsync(roomId, "kept snapshot");
        var other = await SendAsAnotherCreatorAsync(roomId, "from elsewhere");

        var mine = await _alice.SendMessageAsync(roomId, "after it");

        var evt = (await _alice.GetEventAsync(roomId, mine)).Ok();
        var stored = await Server.Service<EventStore>().GetEventAsync(mine, CancellationToken.None);
        Assert.That(stored!.ParseJson()["prev_events"]!.AsArray().Select(p => p is JsonArray pair ? pair[0]!.GetValue<string>() : p!.GetValue<string>()),
            Is.EqualTo(new[] { other }));
        Assert.That(evt["content"]!["body"].Str(), Is.EqualTo("after it"));
        var extremities = await Server.Service<RoomStore>().GetForwardExtremitiesAsync(roomId, 10, CancellationToken.None);
        Assert.That(extremities.Select(e => e.EventId), Is.EqualTo(new[] { mine }));
    }
}
