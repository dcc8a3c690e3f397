using Cluster.Shared.Configuration;
using Cluster.Shared.Federation.Acl;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Membership;

/// <summary>
/// Whether another server may start a membership handshake (make_join, make_leave, make_knock and
/// their send_ halves) for a room here: the room must be known and this server still in it (only a
/// resident server can build on the room's current state), and the room's server ACL must allow
/// the asking server.
/// </summary>
public sealed class ResidentRoomAccess(
    RoomStore rooms, RoomServerAcls acls, RoomMembershipStore memberships, IOptions<ClusterOptions> cluster,
    ILogger<ResidentRoomAccess> logger)
{
    /// <summary>The room, or 404 M_NOT_FOUND when this server is not in it and 403 M_FORBIDDEN when the ACL denies <paramref name="origin"/>.</summary>
    public async Task<RoomRecord> RequireAsync(string roomId, ServerName origin, CancellationToken cancellationToken)
    {
        var room = await rooms.GetRoomAsync(roomId, cancellationToken);
        if (room is null || !await memberships.IsServerJoinedAsync(roomId, cluster.Value.ServerName, cancellationToken))
            throw MatrixException.NotFound($"This server is not in {roomId}.");
        if (!(await acls.GetAsync(roomId, cancellationToken)).Allows(origin))
        {
            logger.LogInformation("Refused {Origin} a membership handshake in {RoomId}: the room's server ACL denies it", origin, roomId);
            throw MatrixException.Forbidden($"The server ACL of {roomId} denies {origin}.");
        }
        return room;
    }

    /// <summary>The user ID in the path, which must belong to the asking server: 403 M_FORBIDDEN otherwise.</summary>
    public static string RequireUserOf(string? userIdText, ServerName origin)
    {
        var userId = RequestValues.UserId(userIdText);
        if (!userId.IsFromServer(origin))
            throw MatrixException.Forbidden($"{userId} is not a user of {origin}.");
        return userId.ToString();
    }
}
