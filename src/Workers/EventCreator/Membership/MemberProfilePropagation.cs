using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventCreator.Building;
using Cluster.Workers.EventCreator.Sending;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>
/// A profile change becomes a new join event (same membership, new displayname and avatar_url) in
/// every room the user is joined to, so that each room shows the new name. A room where the
/// member event already says so, or that the user has left meanwhile, gets nothing; one room
/// failing does not stop the others. Profile changes reach it through
/// <see cref="EventCreatorProfilePropagation"/>, in process or over internal HTTP.
/// </summary>
public sealed class MemberProfilePropagation(
    RoomMembershipStore memberships, RoomEventSender sender, ILogger<MemberProfilePropagation> logger)
{
    public async Task PropagateAsync(UserId user, string? displayName, string? avatarUrl, CancellationToken cancellationToken)
    {
        var userId = user.ToString();
        foreach (var roomId in await memberships.GetJoinedRoomIdsAsync(userId, cancellationToken))
        {
            try
            {
                await sender.SendAsync(new SendRequest(roomId, [(RoomEventTypes.Member, userId)],
                    room => Plan(room, userId, displayName, avatarUrl)), cancellationToken);
            }
            catch (Cluster.Shared.Http.MatrixException e)
            {
                // Left or was kicked since the room list was read: nothing to update there.
                logger.LogDebug("Not updating the member event of {UserId} in {RoomId}: {Reason}", userId, roomId, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Updating the member event of {UserId} in {RoomId} failed", userId, roomId);
            }
        }
    }

    private static EventPlan Plan(RoomContext room, string userId, string? displayName, string? avatarUrl)
    {
        var current = room.Get(RoomEventTypes.Member, userId);
        if (current is null || room.MembershipOf(userId) != MembershipStates.Join)
            throw Cluster.Shared.Http.MatrixException.Forbidden($"{userId} is no longer joined to {room.RoomId}.");
        // Keep what else the member event says (is_direct, custom keys), but not the reason of the
        // original join, which was about joining.
        var content = current.Content.DeepClone().AsObject();
        content.Remove("reason");
        SetOrRemove(content, "displayname", displayName);
        SetOrRemove(content, "avatar_url", avatarUrl);
        if (JsonNode.DeepEquals(content, current.Content))
            return EventPlan.AlreadyDone(current.EventId);
        return EventPlan.Send(new EventDraft(RoomEventTypes.Member, userId, userId, content));
    }

    private static void SetOrRemove(JsonObject content, string key, string? value)
    {
        if (value is null)
            content.Remove(key);
        else
            content[key] = value;
    }
}
