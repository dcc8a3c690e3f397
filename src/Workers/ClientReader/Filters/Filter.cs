using System.Text.Json.Nodes;

namespace Cluster.Workers.ClientReader.Filters;

/// <summary>
/// An event filter (spec: EventFilter). Null lists mean "no restriction"; an empty list
/// includes nothing (types, senders) or excludes nothing (not_types, not_senders).
/// </summary>
public record EventFilter(
    int? Limit = null,
    IReadOnlyList<string>? Types = null,
    IReadOnlyList<string>? NotTypes = null,
    IReadOnlyList<string>? Senders = null,
    IReadOnlyList<string>? NotSenders = null)
{
    public static EventFilter All { get; } = new();

    /// <summary>Whether an event of this type from this sender passes (not_* win over the include lists).</summary>
    public bool Matches(string type, string? sender)
    {
        if (NotTypes is not null && NotTypes.Any(pattern => TypePattern.Matches(pattern, type)))
            return false;
        if (Types is not null && !Types.Any(pattern => TypePattern.Matches(pattern, type)))
            return false;
        if (sender is not null)
        {
            if (NotSenders is not null && NotSenders.Contains(sender, StringComparer.Ordinal))
                return false;
            if (Senders is not null && !Senders.Contains(sender, StringComparer.Ordinal))
                return false;
        }
        return true;
    }
}

/// <summary>A room event filter (spec: RoomEventFilter): an event filter plus rooms and the room-only switches.</summary>
public sealed record RoomEventFilter(
    int? Limit = null,
    IReadOnlyList<string>? Types = null,
    IReadOnlyList<string>? NotTypes = null,
    IReadOnlyList<string>? Senders = null,
    IReadOnlyList<string>? NotSenders = null,
    IReadOnlyList<string>? Rooms = null,
    IReadOnlyList<string>? NotRooms = null,
    bool? ContainsUrl = null,
    bool LazyLoadMembers = false,
    bool IncludeRedundantMembers = false,
    bool UnreadThreadNotifications = false) : EventFilter(Limit, Types, NotTypes, Senders, NotSenders)
{
    public static new RoomEventFilter All { get; } = new();

    public bool IncludesRoom(string roomId) =>
        (NotRooms is null || !NotRooms.Contains(roomId, StringComparer.Ordinal))
        && (Rooms is null || Rooms.Contains(roomId, StringComparer.Ordinal));

    /// <summary>Whether an event passes: its room, type, sender and (with contains_url) whether its content has a url.</summary>
    public bool Matches(string roomId, string type, string? sender, bool hasUrl) =>
        IncludesRoom(roomId) && Matches(type, sender) && (ContainsUrl is not { } wanted || wanted == hasUrl);
}

/// <summary>The room part of a filter (spec: RoomFilter).</summary>
public sealed record RoomFilter(
    IReadOnlyList<string>? Rooms = null,
    IReadOnlyList<string>? NotRooms = null,
    bool IncludeLeave = false,
    RoomEventFilter? Timeline = null,
    RoomEventFilter? State = null,
    RoomEventFilter? Ephemeral = null,
    RoomEventFilter? AccountData = null)
{
    public static RoomFilter All { get; } = new();

    public RoomEventFilter TimelineFilter => Timeline ?? RoomEventFilter.All;
    public RoomEventFilter StateFilter => State ?? RoomEventFilter.All;
    public RoomEventFilter EphemeralFilter => Ephemeral ?? RoomEventFilter.All;
    public RoomEventFilter AccountDataFilter => AccountData ?? RoomEventFilter.All;

    /// <summary>Applied before the timeline, state, ephemeral and account data filters.</summary>
    public bool IncludesRoom(string roomId) =>
        (NotRooms is null || !NotRooms.Contains(roomId, StringComparer.Ordinal))
        && (Rooms is null || Rooms.Contains(roomId, StringComparer.Ordinal));
}

/// <summary>
/// A /sync filter (spec: Filter), from a stored filter ID or inline JSON alike. Build one with
/// <see cref="FilterParser.Parse"/>; <see cref="Default"/> is "no filter".
/// </summary>
public sealed record Filter(
    IReadOnlyList<string>? EventFields = null,
    string EventFormat = Filter.ClientFormat,
    EventFilter? Presence = null,
    EventFilter? AccountData = null,
    RoomFilter? Room = null)
{
    public const string ClientFormat = "client";
    public const string FederationFormat = "federation";

    public static Filter Default { get; } = new();

    public EventFilter PresenceFilter => Presence ?? EventFilter.All;
    public EventFilter AccountDataFilter => AccountData ?? EventFilter.All;
    public RoomFilter RoomFilter => Room ?? RoomFilter.All;

    /// <summary>
    /// The number of timeline events to send per room: the filter's limit, or
    /// <paramref name="defaultLimit"/>, never more than <paramref name="maxLimit"/>.
    /// </summary>
    public int TimelineLimit(int defaultLimit = 10, int maxLimit = 100) =>
        Math.Min(RoomFilter.Timeline?.Limit ?? defaultLimit, maxLimit);

    /// <summary>
    /// Keeps only the event_fields paths of an event (dot-separated, with the spec's escapes); the
    /// event itself when no fields are listed.
    /// </summary>
    public JsonObject ApplyEventFields(JsonObject @event)
    {
        if (EventFields is null)
            return @event;
        var result = new JsonObject();
        foreach (var field in EventFields)
        {
            var path = Cluster.Shared.Push.PropertyPath.Split(field);
            JsonNode? source = @event;
            foreach (var segment in path)
                source = source is JsonObject obj && obj.TryGetPropertyValue(segment, out var next) ? next : null;
            if (source is null)
                continue;
            var target = result;
            for (var i = 0; i < path.Count - 1; i++)
                target = (JsonObject)(target[path[i]] is JsonObject existing ? existing : target[path[i]] = new JsonObject());
            target[path[^1]] = source.DeepClone();
        }
        return result;
    }
}

/// <summary>Event type patterns in filters: '*' matches any run of characters; case matters.</summary>
public static class TypePattern
{
    public static bool Matches(string pattern, string type)
    {
        if (!pattern.Contains('*'))
            return string.Equals(pattern, type, StringComparison.Ordinal);
        // Greedy two-pointer wildcard match: linear for patterns with one '*', and at most
        // O(pattern × type) for any, both bounded by the filter's size limit.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < type.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (p < pattern.Length && pattern[p] == type[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;
    }
}
