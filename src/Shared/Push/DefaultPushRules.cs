using System.Text.Json.Nodes;
using Cluster.Shared.Identifiers;

namespace Cluster.Shared.Push;

/// <summary>
/// The server-default rules of spec v1.12 ("Predefined Rules"), in the order the spec lists
/// them, which is their priority within each kind.
/// </summary>
public static class DefaultPushRules
{
    public const string Master = ".m.rule.master";
    public const string SuppressNotices = ".m.rule.suppress_notices";
    public const string InviteForMe = ".m.rule.invite_for_me";
    public const string MemberEvent = ".m.rule.member_event";
    public const string IsUserMention = ".m.rule.is_user_mention";
    public const string ContainsDisplayName = ".m.rule.contains_display_name";
    public const string IsRoomMention = ".m.rule.is_room_mention";
    public const string RoomNotif = ".m.rule.roomnotif";
    public const string Tombstone = ".m.rule.tombstone";
    public const string Reaction = ".m.rule.reaction";
    public const string ServerAcl = ".m.rule.room.server_acl";
    public const string SuppressEdits = ".m.rule.suppress_edits";
    public const string ContainsUserName = ".m.rule.contains_user_name";
    public const string Call = ".m.rule.call";
    public const string EncryptedRoomOneToOne = ".m.rule.encrypted_room_one_to_one";
    public const string RoomOneToOne = ".m.rule.room_one_to_one";
    public const string Message = ".m.rule.message";
    public const string Encrypted = ".m.rule.encrypted";

    /// <summary>
    /// Rules that, since v1.7, "should only be enabled if the event does not have an m.mentions
    /// property": the evaluator skips them for events that have one.
    /// </summary>
    public static IReadOnlySet<string> LegacyMentionRules { get; } =
        new HashSet<string>(StringComparer.Ordinal) { ContainsDisplayName, RoomNotif, ContainsUserName };

    /// <summary>The defaults for <paramref name="user"/> (some rules name the user's ID or localpart).</summary>
    public static IReadOnlyList<PushRule> For(UserId user)
    {
        var userId = user.ToString();
        return
        [
            Override(Master, [], [], enabled: false),
            Override(SuppressNotices, [Match("content.msgtype", "m.notice")], []),
            Override(InviteForMe,
                [Match("type", "m.room.member"), Match("content.membership", "invite"), Match("state_key", userId)],
                [Notify, Sound("default")]),
            Override(MemberEvent, [Match("type", "m.room.member")], []),
            Override(IsUserMention,
                [PushCondition.EventPropertyContainsOf(@"content.m\.mentions.user_ids", userId)],
                [Notify, Sound("default"), Highlight()]),
            Override(ContainsDisplayName,
                [PushCondition.Parse(new JsonObject { ["kind"] = PushCondition.ContainsDisplayName })],
                [Notify, Sound("default"), Highlight()]),
            Override(IsRoomMention,
                [PushCondition.EventPropertyIsOf(@"content.m\.mentions.room", true), SenderPermission("room")],
                [Notify, Highlight()]),
            Override(RoomNotif, [Match("content.body", "@room"), SenderPermission("room")], [Notify, Highlight()]),
            Override(Tombstone, [Match("type", "m.room.tombstone"), Match("state_key", "")], [Notify, Highlight()]),
            Override(Reaction, [Match("type", "m.reaction")], []),
            Override(ServerAcl, [Match("type", "m.room.server_acl"), Match("state_key", "")], []),
            Override(SuppressEdits, [PushCondition.EventPropertyIsOf(@"content.m\.relates_to.rel_type", "m.replace")], []),

            new PushRule(PushRuleKind.Content, ContainsUserName, IsDefault: true, Enabled: true,
                Actions([Notify, Sound("default"), Highlight()]), Pattern: user.Localpart),

            Underride(Call, [Match("type", "m.call.invite")], [Notify, Sound("ring")]),
            Underride(EncryptedRoomOneToOne, [MemberCount("2"), Match("type", "m.room.encrypted")], [Notify, Sound("default")]),
            Underride(RoomOneToOne, [MemberCount("2"), Match("type", "m.room.message")], [Notify, Sound("default")]),
            Underride(Message, [Match("type", "m.room.message")], [Notify]),
            Underride(Encrypted, [Match("type", "m.room.encrypted")], [Notify]),
        ];
    }

    private static JsonNode Notify => JsonValue.Create(PushActions.Notify);

    private static JsonNode Sound(string sound) => new JsonObject { ["set_tweak"] = "sound", ["value"] = sound };

    private static JsonNode Highlight() => new JsonObject { ["set_tweak"] = "highlight" };

    private static PushCondition Match(string key, string pattern) => PushCondition.EventMatchOf(key, pattern);

    private static PushCondition MemberCount(string @is) =>
        PushCondition.Parse(new JsonObject { ["kind"] = PushCondition.RoomMemberCount, ["is"] = @is });

    private static PushCondition SenderPermission(string key) =>
        PushCondition.Parse(new JsonObject { ["kind"] = PushCondition.SenderNotificationPermission, ["key"] = key });

    private static JsonArray Actions(JsonNode[] actions) => new(actions);

    private static PushRule Override(string id, PushCondition[] conditions, JsonNode[] actions, bool enabled = true) =>
        new(PushRuleKind.Override, id, IsDefault: true, enabled, Actions(actions), conditions);

    private static PushRule Underride(string id, PushCondition[] conditions, JsonNode[] actions) =>
        new(PushRuleKind.Underride, id, IsDefault: true, Enabled: true, Actions(actions), conditions);
}
