using System.Text.Json;

namespace Cluster.Shared.Push;

/// <summary>
/// What the push rules of <see cref="UserId"/> are evaluated against: an event in the client
/// format (type, sender, room_id, state_key, content ...) and the room facts some conditions
/// need, gathered by the caller from the room's current state.
/// </summary>
/// <param name="Event">The event as JSON (an object).</param>
/// <param name="UserId">The user whose rules these are.</param>
/// <param name="UserDisplayName">The user's display name in the room (contains_display_name); null or empty never matches.</param>
/// <param name="RoomMemberCount">Joined members of the room (room_member_count).</param>
/// <param name="SenderPowerLevel">The sender's power level in the room.</param>
/// <param name="NotificationPowerLevels">
/// The room's power levels <c>notifications</c> object (key → level required); a key not listed
/// requires 50, as the m.room.power_levels schema defaults <c>room</c>.
/// </param>
public sealed record PushEventContext(
    JsonElement Event,
    string UserId,
    string? UserDisplayName,
    int RoomMemberCount,
    long SenderPowerLevel,
    IReadOnlyDictionary<string, long>? NotificationPowerLevels = null)
{
    public const long DefaultNotificationLevel = 50;

    public long RequiredNotificationLevel(string key) =>
        NotificationPowerLevels is not null && NotificationPowerLevels.TryGetValue(key, out var level) ? level : DefaultNotificationLevel;

    /// <summary>
    /// Reads the <c>notifications</c> levels out of m.room.power_levels content (null: no such
    /// event). Levels that are not integers are left out, so their default applies.
    /// </summary>
    public static IReadOnlyDictionary<string, long> NotificationLevelsFrom(JsonElement? powerLevelsContent)
    {
        var levels = new Dictionary<string, long>(StringComparer.Ordinal);
        if (powerLevelsContent is not { ValueKind: JsonValueKind.Object } content
            || !content.TryGetProperty("notifications", out var notifications)
            || notifications.ValueKind != JsonValueKind.Object)
            return levels;
        foreach (var entry in notifications.EnumerateObject())
        {
            if (entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt64(out var level))
                levels[entry.Name] = level;
            // Room versions before 10 allow levels as strings of digits.
            else if (entry.Value.ValueKind == JsonValueKind.String && long.TryParse(entry.Value.GetString(), out level))
                levels[entry.Name] = level;
        }
        return levels;
    }
}
