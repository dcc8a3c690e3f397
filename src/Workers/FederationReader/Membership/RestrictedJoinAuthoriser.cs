using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Membership;

/// <summary>
/// Joins to restricted rooms (v8+, and knock_restricted from v10) without an invite: the user must be
/// joined to one of the rooms the join rules allow, as this server sees it, and one of this server's
/// users who may invite vouches for the join in <c>join_authorised_via_users_server</c> (client-server
/// spec "Restricted rooms"; server-server spec "make_join" errors).
/// </summary>
public sealed class RestrictedJoinAuthoriser(
    RoomStore rooms, RoomMembershipStore memberships, RoomStateStore state, MembershipTemplates templates,
    IOptions<ClusterOptions> cluster, ILogger<RestrictedJoinAuthoriser> logger)
{
    public const string UnableToAuthoriseJoin = "M_UNABLE_TO_AUTHORISE_JOIN";
    public const string UnableToGrantJoin = "M_UNABLE_TO_GRANT_JOIN";

    /// <summary>Local members tried as the authorising user, at most: a room with more is served by the first who may invite.</summary>
    public const int MaxCandidates = 20;

    /// <summary>Whether the room's join rule is one this path handles in the room's version.</summary>
    public static bool Applies(RoomRecord room, string? joinRule) =>
        (joinRule == JoinRuleValues.Restricted && room.Version.RestrictedJoinRule)
        || (joinRule == JoinRuleValues.KnockRestricted && room.Version.KnockRestrictedJoinRule);

    /// <summary>
    /// A join template naming an authorising local user: 400 M_UNABLE_TO_AUTHORISE_JOIN when none of the
    /// allowed rooms is one this server is in, 403 when the user is in none of them, 400
    /// M_UNABLE_TO_GRANT_JOIN when no local member may invite.
    /// </summary>
    public async Task<MembershipDraft> DraftAsync(RoomRecord room, string userId, JsonObject joinRules, CancellationToken cancellationToken)
    {
        await RequireAllowedAsync(room, userId, joinRules, cancellationToken);
        var ourName = cluster.Value.ServerName;
        var candidates = (await memberships.GetCurrentMembersAsync(room.RoomId, MembershipStates.Join, cancellationToken))
            .Where(m => UserId.TryParse(m.UserId, out var id) && id.ServerNameSpan.SequenceEqual(ourName))
            .Take(MaxCandidates);
        foreach (var candidate in candidates)
        {
            var content = new JsonObject
            {
                ["membership"] = MembershipStates.Join,
                ["join_authorised_via_users_server"] = candidate.UserId,
            };
            var draft = await templates.DraftAsync(room, userId, content, cancellationToken);
            if (draft.Refusal() is null)
                return draft;
        }
        logger.LogInformation("No local member of {RoomId} may authorise {UserId}'s restricted join", room.RoomId, userId);
        throw new MatrixException(StatusCodes.Status400BadRequest, UnableToGrantJoin,
            $"None of this server's members of {room.RoomId} may invite; try another server in the room.");
    }

    /// <summary>
    /// Whether this server vouches for <paramref name="userId"/> joining: the room is restricted in its
    /// version and the user is joined to one of its allowed rooms that this server is in. Errors as
    /// <see cref="DraftAsync"/>; 403 when the room is not restricted at all.
    /// </summary>
    public async Task RequireAllowedAsync(RoomRecord room, string userId, CancellationToken cancellationToken)
    {
        var joinRules = await JoinRulesAsync(room.RoomId, cancellationToken);
        if (joinRules is null || !Applies(room, Pdu.StringOf(joinRules["join_rule"])))
            throw MatrixException.Forbidden($"{room.RoomId} is not a restricted room: this server vouches for no join to it.");
        await RequireAllowedAsync(room, userId, joinRules, cancellationToken);
    }

    private async Task RequireAllowedAsync(RoomRecord room, string userId, JsonObject joinRules, CancellationToken cancellationToken)
    {
        var allowed = AllowedRooms(joinRules);
        var ourName = cluster.Value.ServerName;
        var known = new List<string>();
        foreach (var roomId in allowed)
            if (await rooms.GetRoomAsync(roomId, cancellationToken) is not null
                && await memberships.IsServerJoinedAsync(roomId, ourName, cancellationToken))
                known.Add(roomId);
        if (known.Count == 0)
            throw new MatrixException(StatusCodes.Status400BadRequest, UnableToAuthoriseJoin,
                $"This server is in none of the rooms whose members may join {room.RoomId}.");
        var satisfied = false;
        foreach (var roomId in known)
            satisfied |= await memberships.IsJoinedAsync(roomId, userId, cancellationToken);
        if (!satisfied)
            throw MatrixException.Forbidden($"{userId} is in none of the rooms whose members may join {room.RoomId}.");
    }

    /// <summary>The join rules event's content in the current state, or null.</summary>
    public async Task<JsonObject?> JoinRulesAsync(string roomId, CancellationToken cancellationToken) =>
        (await state.GetCurrentStateEventAsync(roomId, RoomEventTypes.JoinRules, "", cancellationToken))?.ParseJson()["content"] as JsonObject;

    private static IReadOnlyList<string> AllowedRooms(JsonObject joinRules) =>
        joinRules["allow"] is JsonArray allow
            ? [.. allow.OfType<JsonObject>()
                .Where(a => Pdu.StringOf(a["type"]) == "m.room_membership")
                .Select(a => Pdu.StringOf(a["room_id"]))
                .OfType<string>()
                .Where(id => RoomId.TryParse(id, out _))
                .Distinct(StringComparer.Ordinal)
                .Take(MaxCandidates)]
            : [];
}
