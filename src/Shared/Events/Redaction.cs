using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Events;

/// <summary>
/// The redaction algorithm of each room version: what is left of an event once it is redacted.
/// Hashes and signatures are computed over this form, so the output must match the spec to the key.
/// </summary>
public static class Redaction
{
    // Top-level keys every room version keeps.
    private static readonly HashSet<string> AlwaysKeptTopLevel = new(StringComparer.Ordinal)
    {
        "event_id", "type", "room_id", "sender", "state_key", "content", "hashes", "signatures",
        "depth", "prev_events", "auth_events", "origin_server_ts",
    };

    // Kept until v11 (MSC2176 stopped protecting them).
    private static readonly HashSet<string> LegacyKeptTopLevel = new(StringComparer.Ordinal) { "prev_state", "origin", "membership" };

    private static readonly string[] None = [];
    private static readonly string[] Membership = ["membership"];
    private static readonly string[] MembershipWithAuthoriser = ["membership", "join_authorised_via_users_server"];
    private static readonly string[] Creator = ["creator"];
    private static readonly string[] JoinRule = ["join_rule"];
    private static readonly string[] JoinRuleWithAllow = ["join_rule", "allow"];
    private static readonly string[] PowerLevels =
        ["ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default"];
    private static readonly string[] PowerLevelsWithInvite = [.. PowerLevels, "invite"];
    private static readonly string[] Aliases = ["aliases"];
    private static readonly string[] HistoryVisibility = ["history_visibility"];
    private static readonly string[] Redacts = ["redacts"];

    /// <summary>
    /// Returns the redacted copy of <paramref name="evt"/> under <paramref name="version"/>'s rules.
    /// The input is not modified and shares no nodes with the result. The result always has a
    /// <c>content</c> object, empty when nothing in it survives.
    /// </summary>
    public static JsonObject Redact(JsonObject evt, RoomVersion version)
    {
        var redacted = new JsonObject();
        var contentWritten = false;
        foreach (var (key, value) in evt)
        {
            if (key == "content")
            {
                redacted["content"] = RedactContent(value as JsonObject, TypeOf(evt), version);
                contentWritten = true;
            }
            else if (IsKeptTopLevel(key, version))
            {
                redacted[key] = value?.DeepClone();
            }
        }
        if (!contentWritten) redacted["content"] = new JsonObject();
        return redacted;
    }

    /// <summary>Whether a top-level key survives redaction in <paramref name="version"/>.</summary>
    public static bool IsKeptTopLevel(string key, RoomVersion version) =>
        AlwaysKeptTopLevel.Contains(key) || (!version.UpdatedRedactionRules && LegacyKeptTopLevel.Contains(key));

    /// <summary>
    /// The content keys kept whole for an event type. v11 adds two cases that are not a plain list:
    /// m.room.create keeps everything and m.room.member keeps only <c>signed</c> inside <c>third_party_invite</c>.
    /// </summary>
    public static IReadOnlyList<string> KeptContentKeys(string? type, RoomVersion version) => type switch
    {
        "m.room.member" => version.RestrictedJoinRuleFix ? MembershipWithAuthoriser : Membership,
        "m.room.create" => Creator,
        "m.room.join_rules" => version.RestrictedJoinRule ? JoinRuleWithAllow : JoinRule,
        "m.room.power_levels" => version.UpdatedRedactionRules ? PowerLevelsWithInvite : PowerLevels,
        "m.room.aliases" => version.SpecialCasedAliasesAuth ? Aliases : None,
        "m.room.history_visibility" => HistoryVisibility,
        "m.room.redaction" => version.UpdatedRedactionRules ? Redacts : None,
        _ => None,
    };

    private static JsonObject RedactContent(JsonObject? content, string? type, RoomVersion version)
    {
        if (content is null) return new JsonObject();
        if (type == "m.room.create" && version.UpdatedRedactionRules) return content.DeepClone().AsObject();

        var kept = new JsonObject();
        foreach (var key in KeptContentKeys(type, version))
            if (content.TryGetPropertyValue(key, out var value))
                kept[key] = value?.DeepClone();

        if (type == "m.room.member" && version.UpdatedRedactionRules
            && content["third_party_invite"] is JsonObject invite && invite.TryGetPropertyValue("signed", out var signed))
            kept["third_party_invite"] = new JsonObject { ["signed"] = signed?.DeepClone() };
        return kept;
    }

    private static string? TypeOf(JsonObject evt) =>
        evt["type"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
