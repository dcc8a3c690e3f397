using Cluster.Shared.Federation.Acl;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.FederationReader.Rooms;

/// <summary>
/// Whether another server may read a room at all: the room must be known here, the room's server
/// ACL must allow the server (server-server spec, "Server Access Control Lists"), and one of the
/// server's users must be joined to the room now (as Synapse and Conduit require; the history
/// visibility of each event is judged afterwards, by <see cref="ServerEventVisibility"/>).
/// </summary>
public sealed class FederationRoomAccess(
    RoomStore rooms, RoomServerAcls acls, RoomMembershipStore memberships, ILogger<FederationRoomAccess> logger)
{
    /// <summary>The room, or 404 M_NOT_FOUND when unknown and 403 M_FORBIDDEN when <paramref name="origin"/> may not read it.</summary>
    public async Task<RoomRecord> RequireAsync(string roomId, ServerName origin, CancellationToken cancellationToken)
    {
        var room = await rooms.GetRoomAsync(roomId, cancellationToken)
                   ?? throw MatrixException.NotFound($"Room {roomId} is not known to this server.");
        if (!(await acls.GetAsync(roomId, cancellationToken)).Allows(origin))
        {
            logger.LogInformation("Refused {Origin} a read of {RoomId}: the room's server ACL denies it", origin, roomId);
            throw MatrixException.Forbidden($"The server ACL of {roomId} denies {origin}.");
        }
        if (!await memberships.IsServerJoinedAsync(roomId, origin.ToString(), cancellationToken))
        {
            logger.LogInformation("Refused {Origin} a read of {RoomId}: none of its users is in the room", origin, roomId);
            throw MatrixException.Forbidden($"No user of {origin} is in {roomId}.");
        }
        return room;
    }
}
