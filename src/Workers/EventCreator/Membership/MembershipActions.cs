using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventCreator.Building;
using Cluster.Workers.EventCreator.Sending;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>
/// The membership endpoints' logic: join, knock, invite, leave, kick, ban, unban and forget, each a
/// membership event the auth rules then judge, in rooms this server takes part in. Rooms it is not
/// in are joined, knocked on and left through other servers (<see cref="RemoteRoomJoin"/>,
/// <see cref="RemoteRoomKnock"/>, <see cref="RemoteRoomLeave"/>); users of other servers are
/// invited through their server (<see cref="RemoteInvites"/>).
/// </summary>
public sealed class MembershipActions(
    RoomEventSender sender, RoomMembershipStore memberships, MemberProfiles profiles,
    RemoteInvites remoteInvites)
{
    public async Task<SentEvent> JoinAsync(UserId user, string roomId, string? reason, CancellationToken cancellationToken)
    {
        var content = await profiles.JoinContentAsync(user, reason, cancellationToken);
        var userId = user.ToString();
        return await sender.SendAsync(new SendRequest(roomId, [(RoomEventTypes.Member, userId)], room =>
            room.MembershipOf(userId) == MembershipStates.Join && room.Get(RoomEventTypes.Member, userId) is { } current
                ? EventPlan.AlreadyDone(current.EventId)
                : EventPlan.Send(new EventDraft(RoomEventTypes.Member, userId, userId, content))), cancellationToken);
    }

    public async Task<SentEvent> KnockAsync(UserId user, string roomId, string? reason, CancellationToken cancellationToken)
    {
        var userId = user.ToString();
        var content = Content(MembershipStates.Knock, reason);
        return await sender.SendAsync(new SendRequest(roomId, [(RoomEventTypes.Member, userId)], room =>
        {
            if (!room.Version.KnockJoinRule)
                throw MatrixException.Forbidden($"Room version {room.Version.Id} does not support knocking.");
            return EventPlan.Send(new EventDraft(RoomEventTypes.Member, userId, userId, content));
        }), cancellationToken);
    }

    /// <summary>Invites <paramref name="invitee"/>; a user of another server through their server first (<see cref="RemoteInvites"/>).</summary>
    public Task<SentEvent> InviteAsync(
        UserId inviter, string roomId, UserId invitee, string? reason, CancellationToken cancellationToken, bool isDirect = false)
    {
        var content = Content(MembershipStates.Invite, reason);
        if (isDirect)
            content["is_direct"] = true;
        var target = invitee.ToString();
        var remote = remoteInvites.IsRemote(invitee);
        IReadOnlyCollection<(string Type, string StateKey)> keys = remote
            ? [(RoomEventTypes.Member, target), (RoomEventTypes.Member, inviter.ToString()), .. RemoteInvites.StrippedStateKeys]
            : [(RoomEventTypes.Member, target)];
        return sender.SendAsync(new SendRequest(roomId, keys, room =>
        {
            // Spec: inviting someone already invited succeeds without a new event.
            if (room.MembershipOf(target) == MembershipStates.Invite)
                return EventPlan.AlreadyDone(room.Get(RoomEventTypes.Member, target)!.EventId);
            if (room.MembershipOf(target) == MembershipStates.Join)
                throw MatrixException.Forbidden($"{target} is already in the room.");
            return EventPlan.Send(new EventDraft(RoomEventTypes.Member, target, inviter.ToString(), content));
        }, Exchange: remote ? remoteInvites.ExchangeAsync : null), cancellationToken);
    }

    /// <summary>Leaves, rejects an invite or withdraws a knock; the auth rules refuse it for anyone not joined, invited or knocking.</summary>
    public Task<SentEvent> LeaveAsync(UserId user, string roomId, string? reason, CancellationToken cancellationToken)
    {
        var userId = user.ToString();
        return sender.SendAsync(new SendRequest(roomId, [(RoomEventTypes.Member, userId)], _ =>
            EventPlan.Send(new EventDraft(RoomEventTypes.Member, userId, userId, Content(MembershipStates.Leave, reason)))), cancellationToken);
    }

    public Task<SentEvent> KickAsync(UserId kicker, string roomId, UserId target, string? reason, CancellationToken cancellationToken) =>
        ChangeOther(kicker, roomId, target, MembershipStates.Leave, reason, room =>
        {
            var current = room.MembershipOf(target.ToString());
            if (current is not (MembershipStates.Join or MembershipStates.Invite or MembershipStates.Knock))
                throw MatrixException.Forbidden($"{target} is not in the room.");
        }, cancellationToken);

    public Task<SentEvent> BanAsync(UserId banner, string roomId, UserId target, string? reason, CancellationToken cancellationToken) =>
        ChangeOther(banner, roomId, target, MembershipStates.Ban, reason, null, cancellationToken);

    public Task<SentEvent> UnbanAsync(UserId unbanner, string roomId, UserId target, string? reason, CancellationToken cancellationToken) =>
        ChangeOther(unbanner, roomId, target, MembershipStates.Leave, reason, room =>
        {
            if (room.MembershipOf(target.ToString()) != MembershipStates.Ban)
                throw MatrixException.Forbidden($"{target} is not banned from the room.");
        }, cancellationToken);

    /// <summary>POST /forget: only once the user is out of the room (left, kicked, banned, or never in it).</summary>
    public async Task ForgetAsync(UserId user, string roomId, CancellationToken cancellationToken)
    {
        var userId = user.ToString();
        var history = await memberships.GetMembershipHistoryAsync(roomId, userId, cancellationToken);
        if (history.Count > 0 && history[^1].Membership is MembershipStates.Join or MembershipStates.Invite or MembershipStates.Knock)
            throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.Unknown, "The user has not left the room.");
        await memberships.ForgetAsync(roomId, userId, cancellationToken);
    }

    private Task<SentEvent> ChangeOther(
        UserId actor, string roomId, UserId target, string membership, string? reason, Action<RoomContext>? check,
        CancellationToken cancellationToken)
    {
        var targetId = target.ToString();
        return sender.SendAsync(new SendRequest(roomId, [(RoomEventTypes.Member, targetId)], room =>
        {
            check?.Invoke(room);
            return EventPlan.Send(new EventDraft(RoomEventTypes.Member, targetId, actor.ToString(), Content(membership, reason)));
        }), cancellationToken);
    }

    private static JsonObject Content(string membership, string? reason)
    {
        var content = new JsonObject { ["membership"] = membership };
        if (reason is not null)
            content["reason"] = reason;
        return content;
    }
}
