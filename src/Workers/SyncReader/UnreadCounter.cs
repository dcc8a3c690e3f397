using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Replication.Caches;
using Cluster.Replication.Streams;
using Cluster.Replication.Streams.Common;
using Cluster.Replication.Streams.Events;
using Cluster.Replication.Streams.PushRules;
using Cluster.Replication.Tokens;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Push;
using Cluster.Shared.RoomVersions;
using Npgsql;
using NpgsqlTypes;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// <c>unread_notifications</c> of a room: the events after the user's read receipt (or their
/// join, without one) that the user's push rules say notify, and how many of those highlight.
/// </summary>
/// <remarks>
/// Counted over at most <see cref="MaxCounted"/> events; a room with more unread events than
/// that reports that many. The first count of a (user, room) reads everything in one round trip
/// (a batch of statements) and keeps, per counted event, whether it notifies and highlights, with
/// the parsed room context the rules need. Later counts add only the events that arrived since,
/// from <see cref="RecentRoomEvents"/>, without PostgreSQL. What the kept counts rest on drops
/// them: a receipt of the user in the room, any state event of the room (memberships change the
/// member count, power levels the sender levels, the user's member event their display name),
/// and a change of the user's push rules. Redactions do not: counting reads the stored events
/// as sent. Stored per-event push actions, computed once at persist time, would share the
/// evaluation between processes too.
/// </remarks>
public sealed class UnreadCounter(NpgsqlDataSource dataSource, PushRulesReader pushRules, RecentRoomEvents recent)
{
    public const int MaxCounted = 100;

    /// <summary>Most rooms with kept counts; beyond it the counts start again empty.</summary>
    public const int MaxRooms = 50_000;

    // Each user's ruleset, read once and dropped when the push rules stream carries a change of
    // theirs (SyncWakeups forwards those rows), so counting does not reload it on every sync.
    private readonly ConcurrentDictionary<string, PushRuleSet> _rules = new(StringComparer.Ordinal);
    private long _rulesGeneration;

    /// <summary>The rules cache's name in the <see cref="CacheMetrics"/>.</summary>
    public const string RulesCacheName = "sync_push_rules";

    /// <summary>The kept counts' name in the <see cref="CacheMetrics"/>: a miss is a recount from PostgreSQL.</summary>
    public const string CountsCacheName = "sync_unread_counts";

    // Per room, per user: the counts as of a position; per room, the parsed state every member's
    // rules read. Stored under _lock only if no invalidation ran since the values they rest on
    // were read.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Counted>> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RoomRules> _rooms = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _countsGeneration;

    public void ForgetRules(string userId)
    {
        Interlocked.Increment(ref _rulesGeneration);
        _rules.TryRemove(userId, out _);
        CacheMetrics.Invalidated(RulesCacheName);
    }

    /// <summary>The events stream's consumer: a state event drops the counts of its room.</summary>
    public void Apply(StreamBatch<EventStreamRow> batch)
    {
        foreach (var row in batch.Rows)
        {
            if (!row.Data.IsState)
                continue;
            lock (_lock)
            {
                _countsGeneration++;
                _counts.TryRemove(row.Data.RoomId, out _);
                _rooms.TryRemove(row.Data.RoomId, out _);
            }
        }
    }

    /// <summary>The receipts stream's consumer: the user's receipt moves where their unread events start.</summary>
    public void ReceiptChanged(string userId, string roomId)
    {
        lock (_lock)
        {
            _countsGeneration++;
            if (_counts.TryGetValue(roomId, out var users))
                users.TryRemove(userId, out _);
        }
    }

    /// <summary>The counts as of <paramref name="upTo"/> (or a later position, when another sync of the user got there first).</summary>
    public async Task<JsonObject> CountAsync(UserId user, string roomId, StreamPositionVector upTo, CancellationToken ct)
    {
        var userId = user.ToString();
        var generation = Interlocked.Read(ref _countsGeneration);
        var rules = await RulesAsync(user, ct);
        Counted? counted = null;
        if (_counts.TryGetValue(roomId, out var users) && users.TryGetValue(userId, out var known) && ReferenceEquals(known.Rules, rules))
        {
            if (upTo.IsBeforeOrEqual(known.At))
            {
                CacheMetrics.Hit(CountsCacheName);
                return known.ToJson();
            }
            if (known.At.IsBeforeOrEqual(upTo) && await recent.TryGetRangeAsync(roomId, known.At, upTo, ct) is { } arrived)
                counted = known.Add(userId, arrived.Where(e => e.Sender != userId), upTo);
        }
        if (counted is null)
        {
            CacheMetrics.Miss(CountsCacheName);
            counted = await CountFromDatabaseAsync(user, roomId, upTo, rules, ct);
        }
        else
            CacheMetrics.Hit(CountsCacheName);
        lock (_lock)
        {
            if (_countsGeneration == generation)
            {
                if (_counts.Count >= MaxRooms)
                {
                    _counts.Clear();
                    _rooms.Clear();
                }
                _counts.GetOrAdd(roomId, _ => new ConcurrentDictionary<string, Counted>(StringComparer.Ordinal))
                    .AddOrUpdate(userId, counted, (_, existing) => existing.At.IsBeforeOrEqual(counted.At) ? counted : existing);
                if (counted.Context is { } context)
                    _rooms.TryAdd(roomId, context.Room);
            }
        }
        return counted.ToJson();
    }

    private async Task<PushRuleSet> RulesAsync(UserId user, CancellationToken ct)
    {
        var userId = user.ToString();
        if (_rules.TryGetValue(userId, out var rules))
        {
            CacheMetrics.Hit(RulesCacheName);
            return rules;
        }
        CacheMetrics.Miss(RulesCacheName);
        // A change applied while the rules load must not leave the old set cached.
        var generation = Interlocked.Read(ref _rulesGeneration);
        rules = await pushRules.GetRuleSetAsync(user, ct);
        if (Interlocked.Read(ref _rulesGeneration) == generation)
            _rules[userId] = rules;
        return rules;
    }

    private async Task<Counted> CountFromDatabaseAsync(UserId user, string roomId, StreamPositionVector upTo, PushRuleSet rules, CancellationToken ct)
    {
        var userId = user.ToString();
        var (unread, state, joinedMembers, roomVersion) = await ReadAsync(roomId, userId, upTo, ct);
        // The room's parsed state is shared by its members' counts while no state event arrives.
        var room = _rooms.TryGetValue(roomId, out var known) ? known : RoomRules.From(roomVersion, state, joinedMembers);
        var context = room is null ? null : new UserContext(room, userId, DisplayName(state));
        var outcomes = context is null ? [] : unread.Select(json => context.Evaluate(rules, json.Sender, json.Json)).ToArray();
        return new Counted(upTo, rules, context, outcomes);
    }

    private static string? DisplayName(Dictionary<string, (string EventId, byte[] Json)> state) =>
        state.TryGetValue(RoomEventTypes.Member, out var member)
        && JsonNode.Parse(member.Json)?["content"]?["displayname"] is JsonValue name && name.TryGetValue<string>(out var text) ? text : null;

    /// <summary>What push rules read of a room's state, the same for every member: parsed once per state change.</summary>
    private sealed class RoomRules
    {
        private RoomRules(RoomVersion version, Pdu? create, Pdu? powerLevels, int joinedMembers)
        {
            Version = version;
            Create = create;
            PowerLevels = powerLevels;
            JoinedMembers = joinedMembers;
            NotificationLevels = powerLevels is null
                ? null
                : PushEventContext.NotificationLevelsFrom(JsonSerializer.SerializeToElement(powerLevels.Content));
        }

        public RoomVersion Version { get; }
        public Pdu? Create { get; }
        public Pdu? PowerLevels { get; }
        public int JoinedMembers { get; }
        public IReadOnlyDictionary<string, long>? NotificationLevels { get; }

        public static RoomRules? From(string? roomVersion, Dictionary<string, (string EventId, byte[] Json)> state, int joinedMembers)
        {
            if (roomVersion is null || !Versions.TryGet(roomVersion, out var version))
                return null;
            Pdu? Parse(string type) => state.TryGetValue(type, out var e) ? Pdu.Parse(JsonNode.Parse(e.Json)!.AsObject(), version, e.EventId) : null;
            return new RoomRules(version, Parse(RoomEventTypes.Create), Parse(RoomEventTypes.PowerLevels), joinedMembers);
        }
    }

    /// <summary>One member's view of the room for their push rules.</summary>
    private sealed class UserContext(RoomRules room, string userId, string? displayName)
    {
        public RoomRules Room => room;

        public Outcome Evaluate(PushRuleSet rules, string sender, byte[] json)
        {
            var senderLevel = room.Create is null ? 0 : RoomPowerLevels.UserLevel(room.Version, room.Create, room.PowerLevels, sender);
            using var document = JsonDocument.Parse(json);
            var outcome = PushRuleEvaluator.Evaluate(rules,
                new PushEventContext(document.RootElement, userId, displayName, room.JoinedMembers, senderLevel, room.NotificationLevels));
            return (outcome.Notify ? Outcome.Notify : Outcome.None) | (outcome.Highlight ? Outcome.Highlight : Outcome.None);
        }
    }

    [Flags]
    private enum Outcome : byte
    {
        None = 0,
        Notify = 1,
        Highlight = 2,
    }

    /// <summary>
    /// Counts as of <see cref="At"/>: the outcome of each counted event, oldest first, at most
    /// <see cref="MaxCounted"/>. Never changed once built; a newer position makes a new one.
    /// </summary>
    private sealed class Counted(StreamPositionVector at, PushRuleSet rules, UserContext? context, Outcome[] outcomes)
    {
        public StreamPositionVector At { get; } = at;
        public PushRuleSet Rules { get; } = rules;
        public UserContext? Context => context;

        public Counted Add(string userId, IEnumerable<Shared.Storage.Events.StoredEvent> arrived, StreamPositionVector at)
        {
            // Without a context (an unknown room version) nothing counts, as when first counted.
            if (context is null)
                return new Counted(at, Rules, null, outcomes);
            var added = arrived.Select(e => context.Evaluate(Rules, e.Sender, e.Json)).ToList();
            var all = outcomes.Concat(added).ToArray();
            return new Counted(at, Rules, context, all.Length > MaxCounted ? all[^MaxCounted..] : all);
        }

        public JsonObject ToJson() => new()
        {
            ["notification_count"] = outcomes.Count(o => o.HasFlag(Outcome.Notify)),
            ["highlight_count"] = outcomes.Count(o => o.HasFlag(Outcome.Highlight)),
        };
    }

    private sealed record UnreadEvent(byte[] Json, string Sender);

    // 1. Others' timeline events that upTo covers after the user's newest m.read / m.read.private
    //    receipt (their latest join without one), newest first; 2. the create, power levels and
    //    the user's member event; 3. the joined member count; 4. the room version.
    private async Task<(List<UnreadEvent> Unread, Dictionary<string, (string EventId, byte[] Json)> State, int JoinedMembers, string? RoomVersion)> ReadAsync(
        string roomId, string userId, StreamPositionVector upTo, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        var unread = new NpgsqlBatchCommand();
        unread.Parameters.AddWithValue(roomId);
        unread.Parameters.AddWithValue(userId);
        unread.Parameters.Add(new NpgsqlParameter { Value = upTo.Maximum, NpgsqlDbType = NpgsqlDbType.Bigint });
        var covered = PositionRange.Covered(unread.Parameters, "e.stream_ordering", "e.instance_id", upTo);
        unread.CommandText =
            "SELECT e.json, e.sender FROM events e " +
            $"WHERE e.room_id = $1 AND e.sender <> $2 AND e.stream_ordering <= $3 AND {covered} " +
            "AND NOT e.outlier AND e.rejection_reason IS NULL AND NOT e.soft_failed " +
            "AND e.stream_ordering > COALESCE(" +
            "(SELECT max(re.stream_ordering) FROM receipts rc JOIN events re ON re.event_id = rc.event_id " +
            " WHERE rc.room_id = $1 AND rc.user_id = $2 AND rc.receipt_type IN ('m.read', 'm.read.private')), " +
            "(SELECT max(m.stream_ordering) FROM room_memberships m WHERE m.room_id = $1 AND m.user_id = $2 AND m.membership = 'join'), 0) " +
            $"ORDER BY e.stream_ordering DESC LIMIT {MaxCounted}";
        var state = new NpgsqlBatchCommand(
            "SELECT c.type, c.event_id, e.json FROM current_state_events c JOIN events e ON e.event_id = c.event_id " +
            "WHERE c.room_id = $1 AND ((c.state_key = '' AND c.type IN ('m.room.create', 'm.room.power_levels')) " +
            "OR (c.type = 'm.room.member' AND c.state_key = $2))");
        state.Parameters.AddWithValue(roomId);
        state.Parameters.AddWithValue(userId);
        var members = new NpgsqlBatchCommand(
            "SELECT count(*)::int FROM current_state_events WHERE room_id = $1 AND type = 'm.room.member' AND membership = 'join'");
        members.Parameters.AddWithValue(roomId);
        var version = new NpgsqlBatchCommand("SELECT room_version FROM rooms WHERE room_id = $1");
        version.Parameters.AddWithValue(roomId);
        batch.BatchCommands.Add(unread);
        batch.BatchCommands.Add(state);
        batch.BatchCommands.Add(members);
        batch.BatchCommands.Add(version);

        var events = new List<UnreadEvent>();
        var stateEvents = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        var joined = 0;
        string? roomVersion = null;
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            events.Add(new UnreadEvent(reader.GetFieldValue<byte[]>(0), reader.GetString(1)));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
            stateEvents[reader.GetString(0)] = (reader.GetString(1), reader.GetFieldValue<byte[]>(2));
        await reader.NextResultAsync(ct);
        if (await reader.ReadAsync(ct))
            joined = reader.GetInt32(0);
        await reader.NextResultAsync(ct);
        if (await reader.ReadAsync(ct))
            roomVersion = reader.GetString(0);
        // Oldest first, as later events are appended.
        events.Reverse();
        return (events, stateEvents, joined, roomVersion);
    }
}
