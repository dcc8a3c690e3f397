using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Auth;

/// <summary>Which state events an event must cite as auth events (spec: "Auth events selection").</summary>
public static class AuthEventSelection
{
    /// <summary>
    /// The (type, state_key) pairs an event of this shape may cite: the create event (not in v12, where the
    /// room ID stands for it), power levels, the sender's membership and, for member events, the target's
    /// membership, the join rules (join, invite, knock), the redeemed third-party invite, and the authorising
    /// user's membership of a restricted join (v8+). Each pair appears once; which of them exist is up to the state.
    /// </summary>
    public static IReadOnlyList<(string Type, string StateKey)> Select(
        RoomVersion version, string type, string? stateKey, string sender, JsonObject content)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(content);
        if (type == EventTypes.Create) return [];

        var keys = new List<(string Type, string StateKey)>(6);
        if (!version.RoomIdFromCreateEvent) keys.Add((EventTypes.Create, ""));
        keys.Add((EventTypes.PowerLevels, ""));
        keys.Add((EventTypes.Member, sender));
        if (type != EventTypes.Member) return keys;

        if (stateKey is not null) AddOnce(keys, (EventTypes.Member, stateKey));
        var membership = Memberships.Read(content[ContentKeys.Membership]);
        if (membership is Membership.Join or Membership.Invite or Membership.Knock)
            keys.Add((EventTypes.JoinRules, ""));
        if (membership == Membership.Invite
            && ((content[ContentKeys.ThirdPartyInvite] as JsonObject)?["signed"] as JsonObject)?["token"] is { } tokenNode
            && Pdu.StringOf(tokenNode) is { } token)
            keys.Add((EventTypes.ThirdPartyInvite, token));
        if (membership == Membership.Join && version.RestrictedJoinRule
            && Pdu.StringOf(content[ContentKeys.AuthorisingUser]) is { } authoriser)
            AddOnce(keys, (EventTypes.Member, authoriser));
        return keys;
    }

    /// <summary>The selection for an event already built.</summary>
    public static IReadOnlyList<(string Type, string StateKey)> Select(Pdu ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        return Select(ev.Version, ev.Type, ev.StateKey, ev.Sender, ev.Content);
    }

    private static void AddOnce(List<(string Type, string StateKey)> keys, (string Type, string StateKey) key)
    {
        if (!keys.Contains(key)) keys.Add(key);
    }
}
