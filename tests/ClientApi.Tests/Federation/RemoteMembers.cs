using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventCreator.Building;
using Cluster.Workers.EventPersister;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// Puts another server's user into a room of the server under test. There are no federation
/// joins yet, so the test builds the join event as that server would (signed with a key of its
/// own, <see cref="RemoteJoinEvent"/>) and hands it to the room's persister, the seam event creators use; the persister stores
/// it, its state and membership like any event (it does not run the auth rules again).
/// </summary>
public static class RemoteMembers
{
    public static async Task<string> JoinAsync(Homeserver server, string roomId, string userId, string remoteServerName)
    {
        var cancellationToken = CancellationToken.None;
        var join = await RemoteJoinEvent.BuildAsync(
            server.Service<RoomStore>(), server.Service<RoomStateStore>(), roomId, userId, remoteServerName, cancellationToken);
        await server.Service<IEventPersistence>().PersistAsync(
            new PersistRequest(roomId, join.Version.Id, [new EventToPersist(join.EventId, join.CanonicalJson)]), cancellationToken);
        // The creator's kept snapshot of the room no longer has the room's extremities.
        server.Service<RoomSnapshots>().Forget(roomId);
        return join.EventId;
    }
}
