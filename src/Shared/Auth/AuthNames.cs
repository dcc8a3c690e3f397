namespace Cluster.Shared.Auth;

/// <summary>Event types, membership values and join rules the authorization rules name.</summary>
internal static class EventTypes
{
    public const string Create = "m.room.create";
    public const string Member = "m.room.member";
    public const string PowerLevels = "m.room.power_levels";
    public const string JoinRules = "m.room.join_rules";
    public const string ThirdPartyInvite = "m.room.third_party_invite";
    public const string Aliases = "m.room.aliases";
    public const string Redaction = "m.room.redaction";
}

/// <summary>A membership value; <see cref="None"/> when a user has no member event, <see cref="Unknown"/> for any other string.</summary>
internal enum Membership
{
    None,
    Join,
    Invite,
    Leave,
    Ban,
    Knock,
    Unknown,
}

internal static class Memberships
{
    public static Membership Read(System.Text.Json.Nodes.JsonNode? node) =>
        JsonText.Is(node, "join"u8, "join") ? Membership.Join
        : JsonText.Is(node, "invite"u8, "invite") ? Membership.Invite
        : JsonText.Is(node, "leave"u8, "leave") ? Membership.Leave
        : JsonText.Is(node, "ban"u8, "ban") ? Membership.Ban
        : JsonText.Is(node, "knock"u8, "knock") ? Membership.Knock
        : Membership.Unknown;

    public static string Describe(Membership membership) =>
        membership == Membership.None ? "none" : membership.ToString().ToLowerInvariant();
}

internal static class JoinRuleNames
{
    public const string Public = "public";
    public const string Invite = "invite";
    public const string Knock = "knock";
    public const string Restricted = "restricted";
    public const string KnockRestricted = "knock_restricted";
}

internal static class ContentKeys
{
    public const string Membership = "membership";
    public const string JoinRule = "join_rule";
    public const string AuthorisingUser = "join_authorised_via_users_server";
    public const string ThirdPartyInvite = "third_party_invite";
    public const string Creator = "creator";
    public const string AdditionalCreators = "additional_creators";
    public const string RoomVersion = "room_version";
    public const string Federate = "m.federate";
}
