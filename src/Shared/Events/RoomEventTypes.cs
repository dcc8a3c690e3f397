namespace Cluster.Shared.Events;

/// <summary>The event types the room pipeline writes or reads by name.</summary>
public static class RoomEventTypes
{
    public const string Create = "m.room.create";
    public const string Member = "m.room.member";
    public const string PowerLevels = "m.room.power_levels";
    public const string JoinRules = "m.room.join_rules";
    public const string HistoryVisibility = "m.room.history_visibility";
    public const string GuestAccess = "m.room.guest_access";
    public const string Name = "m.room.name";
    public const string Topic = "m.room.topic";
    public const string CanonicalAlias = "m.room.canonical_alias";
    public const string Redaction = "m.room.redaction";
    public const string Tombstone = "m.room.tombstone";
    public const string ServerAcl = "m.room.server_acl";
    public const string Encryption = "m.room.encryption";
    public const string Avatar = "m.room.avatar";
}

/// <summary>The values of <c>content.membership</c>.</summary>
public static class MembershipStates
{
    public const string Join = "join";
    public const string Invite = "invite";
    public const string Leave = "leave";
    public const string Ban = "ban";
    public const string Knock = "knock";

    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal) { Join, Invite, Leave, Ban, Knock };
}

/// <summary>The values of <c>m.room.history_visibility</c>'s <c>history_visibility</c>.</summary>
public static class HistoryVisibilityValues
{
    public const string WorldReadable = "world_readable";
    public const string Shared = "shared";
    public const string Invited = "invited";
    public const string Joined = "joined";
}

/// <summary>The values of <c>m.room.join_rules</c>'s <c>join_rule</c>.</summary>
public static class JoinRuleValues
{
    public const string Public = "public";
    public const string Invite = "invite";
    public const string Knock = "knock";
    public const string Restricted = "restricted";
    public const string KnockRestricted = "knock_restricted";
}
