using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Events;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>A join event of another server's user, built and signed as that server would, ready for the room's persister.</summary>
public sealed record RemoteJoinEvent(RoomVersion Version, string EventId, byte[] CanonicalJson)
{
    /// <summary>
    /// Builds the join of <paramref name="userId"/> (of <paramref name="remoteServerName"/>, signed
    /// with a key of its own) on the room's current extremities and state, read from its stores.
    /// </summary>
    public static async Task<RemoteJoinEvent> BuildAsync(
        RoomStore rooms, RoomStateStore state, string roomId, string userId, string remoteServerName, CancellationToken cancellationToken)
    {
        var room = await rooms.GetRoomAsync(roomId, cancellationToken)
            ?? throw new InvalidOperationException($"{roomId} is not a room of this server.");
        var version = room.Version;
        if (version.EventFormat == EventFormat.V1)
            throw new NotSupportedException("Room versions 1 and 2 reference prev events with hashes; use v3 or later.");
        var extremities = await rooms.GetForwardExtremitiesAsync(roomId, 10, cancellationToken);
        var content = new JsonObject { ["membership"] = "join" };
        var authKeys = AuthEventSelection.Select(version, RoomEventTypes.Member, userId, userId, content);
        var authEvents = await state.GetCurrentStateEventsAsync(roomId, [.. authKeys], cancellationToken);
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
        return new RemoteJoinEvent(version, EventIds.Of(join, version), Cluster.Shared.Json.CanonicalJson.Encode(join));
    }
}
