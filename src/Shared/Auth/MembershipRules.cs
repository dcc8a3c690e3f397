using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;

namespace Cluster.Shared.Auth;

/// <summary>The <c>m.room.member</c> rules (rule 4 in v6-v11 numbering, 5 in v1-v5 and v12).</summary>
internal static class MembershipRules
{
    public static AuthDecision Check(Pdu ev, in AuthState room)
    {
        var version = ev.Version;
        if (ev.StateKey is not { } target) return AuthDecision.Deny("member event has no state_key");
        if (!ev.Content.TryGetPropertyValue(ContentKeys.Membership, out var membershipNode))
            return AuthDecision.Deny("member event has no content.membership");

        if (version.RestrictedJoinRule && ev.Content.TryGetPropertyValue(ContentKeys.AuthorisingUser, out var authoriser)
            && !IsSignedByServerOf(ev, Pdu.StringOf(authoriser)))
            return AuthDecision.Deny("join_authorised_via_users_server's server has not signed the event");

        return Memberships.Read(membershipNode) switch
        {
            Membership.Join => Join(ev, target, room),
            Membership.Invite => Invite(ev, target, room),
            Membership.Leave => Leave(ev, target, room),
            Membership.Ban => Ban(ev, target, room),
            Membership.Knock when version.KnockJoinRule => Knock(ev, target, room),
            _ => AuthDecision.Deny("unknown membership"),
        };
    }

    private static AuthDecision Join(Pdu ev, string target, in AuthState room)
    {
        var version = ev.Version;
        // The creator's own first join, which precedes power levels and join rules.
        if (ev.PrevEventIds.Count == 1 && ev.PrevEventIds[0] == room.Create.EventId && room.Creators.IsPrimary(target))
            return AuthDecision.Allow;
        if (ev.Sender != target) return AuthDecision.Deny("join: sender differs from state_key");

        var current = room.MembershipOf(ev.Sender);
        if (current == Membership.Ban) return AuthDecision.Deny("join: sender is banned");
        var joinedOrInvited = current is Membership.Join or Membership.Invite;

        var rule = room.JoinRule;
        if (rule == JoinRuleNames.Invite || (version.KnockJoinRule && rule == JoinRuleNames.Knock))
            return joinedOrInvited ? AuthDecision.Allow : AuthDecision.Deny("join: invite-only room and sender is not invited");

        if ((version.RestrictedJoinRule && rule == JoinRuleNames.Restricted)
            || (version.KnockRestrictedJoinRule && rule == JoinRuleNames.KnockRestricted))
        {
            if (joinedOrInvited) return AuthDecision.Allow;
            var authoriser = Pdu.StringOf(ev.Content[ContentKeys.AuthorisingUser]);
            if (authoriser is null || room.MembershipOf(authoriser) != Membership.Join
                || room.PowerLevels.UserLevel(authoriser) < room.PowerLevels.InviteLevel)
                return AuthDecision.Deny("join: restricted room and join_authorised_via_users_server is not a joined user able to invite");
            return AuthDecision.Allow;
        }

        return rule == JoinRuleNames.Public ? AuthDecision.Allow : AuthDecision.Deny($"join: join rule '{rule}' does not admit the sender");
    }

    private static AuthDecision Invite(Pdu ev, string target, in AuthState room)
    {
        if (ev.Content.TryGetPropertyValue(ContentKeys.ThirdPartyInvite, out var thirdPartyInvite))
            return ThirdPartyInviteRules.Check(ev, target, thirdPartyInvite, room);

        if (room.MembershipOf(ev.Sender) != Membership.Join) return AuthDecision.Deny("invite: sender is not joined");
        var targetMembership = room.MembershipOf(target);
        if (targetMembership is Membership.Join or Membership.Ban)
            return AuthDecision.Deny($"invite: target is already {Memberships.Describe(targetMembership)}");
        return room.PowerLevels.UserLevel(ev.Sender) >= room.PowerLevels.InviteLevel
            ? AuthDecision.Allow
            : AuthDecision.Deny("invite: sender is below the invite level");
    }

    private static AuthDecision Leave(Pdu ev, string target, in AuthState room)
    {
        if (ev.Sender == target)
        {
            var own = room.MembershipOf(target);
            var mayLeave = own is Membership.Join or Membership.Invite || (ev.Version.KnockJoinRule && own == Membership.Knock);
            return mayLeave ? AuthDecision.Allow : AuthDecision.Deny($"leave: sender's membership '{Memberships.Describe(own)}' cannot be left");
        }

        if (room.MembershipOf(ev.Sender) != Membership.Join) return AuthDecision.Deny("kick: sender is not joined");
        var levels = room.PowerLevels;
        var senderLevel = levels.UserLevel(ev.Sender);
        if (room.MembershipOf(target) == Membership.Ban && senderLevel < levels.BanLevel)
            return AuthDecision.Deny("unban: sender is below the ban level");
        return senderLevel >= levels.KickLevel && levels.UserLevel(target) < senderLevel
            ? AuthDecision.Allow
            : AuthDecision.Deny("kick: sender is below the kick level or not above the target");
    }

    private static AuthDecision Ban(Pdu ev, string target, in AuthState room)
    {
        if (room.MembershipOf(ev.Sender) != Membership.Join) return AuthDecision.Deny("ban: sender is not joined");
        var levels = room.PowerLevels;
        var senderLevel = levels.UserLevel(ev.Sender);
        return senderLevel >= levels.BanLevel && levels.UserLevel(target) < senderLevel
            ? AuthDecision.Allow
            : AuthDecision.Deny("ban: sender is below the ban level or not above the target");
    }

    private static AuthDecision Knock(Pdu ev, string target, in AuthState room)
    {
        var rule = room.JoinRule;
        var knockable = rule == JoinRuleNames.Knock || (ev.Version.KnockRestrictedJoinRule && rule == JoinRuleNames.KnockRestricted);
        if (!knockable) return AuthDecision.Deny($"knock: join rule '{rule}' does not allow knocking");
        if (ev.Sender != target) return AuthDecision.Deny("knock: sender differs from state_key");
        var current = room.MembershipOf(ev.Sender);
        return current is Membership.Ban or Membership.Invite or Membership.Join
            ? AuthDecision.Deny($"knock: sender is already {Memberships.Describe(current)}")
            : AuthDecision.Allow;
    }

    /// <summary>
    /// Whether the event carries a signature from the authorising user's server. Verifying that signature
    /// cryptographically needs that server's keys, so it belongs to the signature checks every received
    /// event passes before auth; this rule makes sure such a signature is there to be checked.
    /// </summary>
    private static bool IsSignedByServerOf(Pdu ev, string? authoriser)
    {
        if (authoriser is null || !authoriser.StartsWith('@') || MatrixIds.DomainOf(authoriser) is not { Length: > 0 } server)
            return false;
        return ev.Json["signatures"] is JsonObject signatures
               && signatures[server] is JsonObject keys
               && keys.Any(k => k.Key.StartsWith("ed25519:", StringComparison.Ordinal)
                                && k.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String);
    }
}
