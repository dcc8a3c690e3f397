using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Auth;

/// <summary>
/// The rules for <c>m.room.power_levels</c> events: the content must hold levels the room version can
/// read, and a sender may only change levels that are (and stay) within their own reach.
/// </summary>
internal static class PowerLevelChangeRules
{
    public static AuthDecision Check(Pdu ev, in AuthState room)
    {
        var version = ev.Version;
        if (ValidateShape(ev.Content, version) is { } problem) return AuthDecision.Deny(problem);

        if (room.Creators.HaveUnlimitedPower && ev.Content[PowerLevels.Users] is JsonObject users)
            foreach (var creator in room.Creators.All())
                if (users.ContainsKey(creator)) return AuthDecision.Deny("power levels: users must not list a room creator");

        if (room.PowerLevelsEvent is not { } current) return AuthDecision.Allow;

        var senderLevel = room.PowerLevels.UserLevel(ev.Sender);
        var before = current.Content;
        var after = ev.Content;

        foreach (var key in PowerLevels.NamedLevels)
        {
            var (old, @new) = (Level(before, key, version), Level(after, key, version));
            if (old == @new) continue;
            if (old > senderLevel || @new > senderLevel)
                return AuthDecision.Deny($"power levels: sender cannot change '{key}' beyond their own level");
        }

        if (CheckMap(PowerLevels.Events) is { } eventsDenied) return eventsDenied;
        if (version.LimitNotificationsPowerLevels && CheckMap(PowerLevels.Notifications) is { } notificationsDenied)
            return notificationsDenied;

        var beforeUsers = MapOf(before, PowerLevels.Users);
        var afterUsers = MapOf(after, PowerLevels.Users);
        foreach (var user in KeysOf(beforeUsers, afterUsers))
        {
            var (old, @new) = (Level(beforeUsers, user, version), Level(afterUsers, user, version));
            if (old == @new) continue;
            if (user != ev.Sender && old >= senderLevel)
                return AuthDecision.Deny($"power levels: sender cannot change {user}, who is not below them");
            if (@new > senderLevel)
                return AuthDecision.Deny($"power levels: sender cannot raise {user} above their own level");
        }
        return AuthDecision.Allow;

        AuthDecision? CheckMap(string name)
        {
            var oldMap = MapOf(before, name);
            var newMap = MapOf(after, name);
            foreach (var key in KeysOf(oldMap, newMap))
            {
                var (old, @new) = (Level(oldMap, key, version), Level(newMap, key, version));
                if (old == @new) continue;
                if (old > senderLevel) return AuthDecision.Deny($"power levels: sender cannot change {name}.{key}, set above them");
                if (@new > senderLevel) return AuthDecision.Deny($"power levels: sender cannot set {name}.{key} above their own level");
            }
            return null;
        }
    }

    /// <summary>
    /// Whether the content holds readable levels. v10+ requires JSON integers for every level (spec 9.1/9.2);
    /// all versions require <c>users</c> to map user IDs to levels. Earlier versions only name the <c>users</c>
    /// check, but a level that cannot be read as a number cannot be compared either, so it is refused too.
    /// </summary>
    internal static string? ValidateShape(JsonObject content, RoomVersion version)
    {
        foreach (var key in PowerLevels.NamedLevels)
            if (content.TryGetPropertyValue(key, out var node) && !IsLevel(node, version))
                return $"power levels: '{key}' is not {LevelDescription(version)}";

        foreach (var name in (ReadOnlySpan<string>)[PowerLevels.Events, PowerLevels.Notifications])
        {
            // Before v6 notifications are not protected by auth, so their shape does not matter to it.
            if (name == PowerLevels.Notifications && !version.LimitNotificationsPowerLevels) continue;
            if (!content.TryGetPropertyValue(name, out var node)) continue;
            if (node is not JsonObject map) return $"power levels: '{name}' is not an object";
            foreach (var (key, value) in map)
                if (!IsLevel(value, version)) return $"power levels: '{name}.{key}' is not {LevelDescription(version)}";
        }

        if (content.TryGetPropertyValue(PowerLevels.Users, out var usersNode))
        {
            if (usersNode is not JsonObject users) return "power levels: 'users' is not an object";
            foreach (var (user, value) in users)
            {
                if (!MatrixIds.IsValidUserId(user)) return $"power levels: users key '{user}' is not a user ID";
                if (!IsLevel(value, version)) return $"power levels: users.{user} is not {LevelDescription(version)}";
            }
        }
        return null;
    }

    private static bool IsLevel(JsonNode? node, RoomVersion version) => PowerLevelValue.TryRead(node, version, out _);

    private static string LevelDescription(RoomVersion version) =>
        version.EnforceIntPowerLevels ? "an integer" : "an integer or a string holding one";

    /// <summary>
    /// A level the content sets, or null when it leaves the key out (so the value is only "added" or "removed").
    /// The new content is validated before this runs, so an unreadable value can only come from the room's state.
    /// </summary>
    private static long? Level(JsonObject? map, string key, RoomVersion version)
    {
        if (map is null || !map.TryGetPropertyValue(key, out var node)) return null;
        return PowerLevelValue.TryRead(node, version, out var level)
            ? level
            : throw new MalformedPowerLevelsException($"'{key}' holds a value that is not a power level");
    }

    private static JsonObject? MapOf(JsonObject content, string name) =>
        !content.TryGetPropertyValue(name, out var node) ? null
        : node as JsonObject ?? throw new MalformedPowerLevelsException($"'{name}' is not an object");

    private static IEnumerable<string> KeysOf(JsonObject? a, JsonObject? b)
    {
        if (a is not null)
            foreach (var (key, _) in a) yield return key;
        if (b is not null)
            foreach (var (key, _) in b)
                if (a is null || !a.ContainsKey(key)) yield return key;
    }
}
