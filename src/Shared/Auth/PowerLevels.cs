using System.Text.Json.Nodes;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Auth;

/// <summary>
/// The levels of an <c>m.room.power_levels</c> content (or their defaults when the room has none),
/// read lazily so that a check touches only the keys it needs.
/// </summary>
internal readonly struct PowerLevels
{
    /// <summary>The level of a v12 creator: above any level a power levels event can hold.</summary>
    public const long Unlimited = long.MaxValue;

    public const string UsersDefault = "users_default";
    public const string EventsDefault = "events_default";
    public const string StateDefault = "state_default";
    public const string Ban = "ban";
    public const string Kick = "kick";
    public const string Redact = "redact";
    public const string Invite = "invite";
    public const string Users = "users";
    public const string Events = "events";
    public const string Notifications = "notifications";

    /// <summary>The top-level levels whose changes rule "power levels" checks one by one.</summary>
    public static readonly string[] NamedLevels = [UsersDefault, EventsDefault, StateDefault, Ban, Redact, Kick, Invite];

    private readonly JsonObject? _content;
    private readonly RoomVersion _version;
    private readonly RoomCreators _creators;

    public PowerLevels(JsonObject? content, RoomVersion version, RoomCreators creators)
    {
        _content = content;
        _version = version;
        _creators = creators;
    }

    public long UserLevel(string userId)
    {
        if (_creators.HaveUnlimitedPower && _creators.Contains(userId)) return Unlimited;
        if (_content is null) return !_creators.HaveUnlimitedPower && _creators.IsPrimary(userId) ? 100 : 0;
        if (Map(Users)?.TryGetPropertyValue(userId, out var node) == true) return Read(node, Users);
        return Named(UsersDefault, 0);
    }

    /// <summary>The "required power level" of an event type (spec, server-server "Definitions").</summary>
    public long RequiredToSend(string type, bool isState)
    {
        if (Map(Events)?.TryGetPropertyValue(type, out var node) == true) return Read(node, Events);
        return isState ? Named(StateDefault, 50) : Named(EventsDefault, 0);
    }

    public long InviteLevel => Named(Invite, 0);
    public long KickLevel => Named(Kick, 50);
    public long BanLevel => Named(Ban, 50);
    public long RedactLevel => Named(Redact, 50);

    private long Named(string key, long fallback) =>
        _content is not null && _content.TryGetPropertyValue(key, out var node) ? Read(node, key) : fallback;

    private JsonObject? Map(string key)
    {
        if (_content is null || !_content.TryGetPropertyValue(key, out var node)) return null;
        return node as JsonObject ?? throw new MalformedPowerLevelsException($"'{key}' is not an object");
    }

    private long Read(JsonNode? node, string key) =>
        PowerLevelValue.TryRead(node, _version, out var level)
            ? level
            : throw new MalformedPowerLevelsException($"'{key}' holds a value that is not a power level");
}

/// <summary>The room's power levels event holds a value its room version cannot read as a level.</summary>
internal sealed class MalformedPowerLevelsException(string message) : Exception(message);
