using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventCreator.Building;
using Cluster.Workers.EventPersister;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// Puts another server's user into a room of the server under test. There are no federation
/// joins yet, so the test builds the join event as that server would (signed with a key of its
/// own) and hands it to the room's persister, the seam event creators use; the persister stores
/// it, its state and membership like any event (it does not run the auth rules again).
/// </summary>
public static class RemoteMembers
{
    public static async Task<string> JoinAsync(Homeserver server, string roomId, string userId, string remoteServerName)
    {
        var cancellationToken = CancellationToken.None;
        var room = await server.Service<RoomStore>().GetRoomAsync(roomId, cancellationToken)
            ?? throw new InvalidOperationException($"{roomId} is not a room of {server.ServerName}.");
        var version = room.Version;
        if (version.EventFormat == EventFormat.V1)
            throw new NotSupportedException("Room versions 1 and 2 reference prev events with hashes; use v3 or later.");
        var extremities = await server.Service<RoomStore>().GetForwardExtremitiesAsync(roomId, EventBuilder.MaxPrevEvents, cancellationToken);
        var content = new JsonObject { ["membership"] = "join" };
        var authKeys = AuthEventSelection.Select(version, RoomEventTypes.Member, userId, userId, content);
        var authEvents = await server.Service<RoomStateStore>().GetCurrentStateEventsAsync(roomId, [.. authKeys], cancellationToken);
        var join = new JsonObject
        {
            ["type"] = RoomEventTypes.Member,
            ["state_key"] = userId,
            ["sender"] = userId,
            ["content"] = content,
            ["room_id"] = roomId,
            ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["prev_events"] = new JsonArray([.. extremities.Select(e => (JsonNode)e.EventId)]),
            ["auth_events"] = new JsonArray([.. authEvents.Values.Select(e => (JsonNode)e.EventId)]),
            ["depth"] = extremities.Max(e => e.Depth) + 1,
        };
        using var key = Ed25519SigningKey.Generate("remote");
        EventSigning.HashAndSign(join, version, remoteServerName, key);
        var eventId = EventIds.Of(join, version);
        await server.Service<IEventPersistence>().PersistAsync(
            new PersistRequest(roomId, version.Id, [new EventToPersist(eventId, CanonicalJson.Encode(join))]), cancellationToken);
        // The creator's kept snapshot of the room no longer has the room's extremities.
        server.Service<RoomSnapshots>().Forget(roomId);
        return eventId;
    }
}
