using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Replication.Caches;
using Cluster.Replication.Streams.PushRules;
using Cluster.Replication.Tokens;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Push;
using Npgsql;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// <c>unread_notifications</c> of a room: the events after the user's read receipt (or their
/// join, without one) that the user's push rules say notify, and how many of those highlight.
/// </summary>
/// <remarks>
/// Counted when the room is served, over at most <see cref="MaxCounted"/> events; a room with
/// more unread events than that reports that many. Everything it reads comes back in one round
/// trip (a batch of three statements): this runs for every room of almost every /sync. Stored
/// per-event push actions, computed once at persist time, would make it cheaper still.
/// </remarks>
public sealed class UnreadCounter(NpgsqlDataSource dataSource, PushRulesReader pushRules)
{
    public const int MaxCounted = 100;

    // Each user's ruleset, read once and dropped when the push rules stream carries a change of
    // theirs (SyncWakeups forwards those rows), so counting does not reload it on every sync.
    private readonly ConcurrentDictionary<string, PushRuleSet> _rules = new(StringComparer.Ordinal);
    private long _rulesGeneration;

    /// <summary>The rules cache's name in the <see cref="CacheMetrics"/>.</summary>
    public const string RulesCacheName = "sync_push_rules";

    public void ForgetRules(string userId)
    {
        Interlocked.Increment(ref _rulesGeneration);
        _rules.TryRemove(userId, out _);
        CacheMetrics.Invalidated(RulesCacheName);
    }

    public async Task<JsonObject> CountAsync(UserId user, string roomId, StreamPositionVector upTo, CancellationToken ct)
    {
        var userId = user.ToString();
        var (unread, state, joinedMembers) = await ReadAsync(roomId, userId, upTo.Maximum, ct);
        int notifications = 0, highlights = 0;
        if (unread.Count > 0 && Versions.TryGet(unread[0].RoomVersion, out var version))
        {
            var rules = await RulesAsync(user, ct);
            Pdu? Parse(string type) => state.TryGetValue(type, out var e) ? Pdu.Parse(JsonNode.Parse(e.Json)!.AsObject(), version, e.EventId) : null;
            var create = Parse("m.room.create");
            var powerLevels = Parse("m.room.power_levels");
            var displayName = state.TryGetValue("m.room.member", out var member)
                && JsonNode.Parse(member.Json)?["content"]?["displayname"] is JsonValue name && name.TryGetValue<string>(out var text) ? text : null;
            IReadOnlyDictionary<string, long>? notificationLevels = powerLevels is null
                ? null
                : PushEventContext.NotificationLevelsFrom(JsonSerializer.SerializeToElement(powerLevels.Content));
            foreach (var e in unread)
            {
                var senderLevel = create is null ? 0 : RoomPowerLevels.UserLevel(version, create, powerLevels, e.Sender);
                using var document = JsonDocument.Parse(e.Json);
                var outcome = PushRuleEvaluator.Evaluate(rules,
                    new PushEventContext(document.RootElement, userId, displayName, joinedMembers, senderLevel, notificationLevels));
                if (outcome.Notify)
                    notifications++;
                if (outcome.Highlight)
                    highlights++;
            }
        }
        return new JsonObject { ["notification_count"] = notifications, ["highlight_count"] = highlights };
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

    private sealed record UnreadEvent(byte[] Json, string Sender, string RoomVersion);

    // 1. Others' timeline events after the user's newest m.read / m.read.private receipt (their
    //    latest join without one), newest first; 2. the create, power levels and the user's
    //    member event; 3. the joined member count.
    private async Task<(List<UnreadEvent> Unread, Dictionary<string, (string EventId, byte[] Json)> State, int JoinedMembers)> ReadAsync(
        string roomId, string userId, long upTo, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        var unread = new NpgsqlBatchCommand(
            "SELECT e.json, e.sender, r.room_version FROM events e JOIN rooms r ON r.room_id = e.room_id " +
            "WHERE e.room_id = $1 AND e.sender <> $2 AND e.stream_ordering <= $3 " +
            "AND NOT e.outlier AND e.rejection_reason IS NULL AND NOT e.soft_failed " +
            "AND e.stream_ordering > COALESCE(" +
            "(SELECT max(re.stream_ordering) FROM receipts rc JOIN events re ON re.event_id = rc.event_id " +
            " WHERE rc.room_id = $1 AND rc.user_id = $2 AND rc.receipt_type IN ('m.read', 'm.read.private')), " +
            "(SELECT max(m.stream_ordering) FROM room_memberships m WHERE m.room_id = $1 AND m.user_id = $2 AND m.membership = 'join'), 0) " +
            $"ORDER BY e.stream_ordering DESC LIMIT {MaxCounted}");
        unread.Parameters.AddWithValue(roomId);
        unread.Parameters.AddWithValue(userId);
        unread.Parameters.AddWithValue(upTo);
        var state = new NpgsqlBatchCommand(
            "SELECT c.type, c.event_id, e.json FROM current_state_events c JOIN events e ON e.event_id = c.event_id " +
            "WHERE c.room_id = $1 AND ((c.state_key = '' AND c.type IN ('m.room.create', 'm.room.power_levels')) " +
            "OR (c.type = 'm.room.member' AND c.state_key = $2))");
        state.Parameters.AddWithValue(roomId);
        state.Parameters.AddWithValue(userId);
        var members = new NpgsqlBatchCommand(
            "SELECT count(*)::int FROM current_state_events WHERE room_id = $1 AND type = 'm.room.member' AND membership = 'join'");
        members.Parameters.AddWithValue(roomId);
        batch.BatchCommands.Add(unread);
        batch.BatchCommands.Add(state);
        batch.BatchCommands.Add(members);

        var events = new List<UnreadEvent>();
        var stateEvents = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        var joined = 0;
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            events.Add(new UnreadEvent(reader.GetFieldValue<byte[]>(0), reader.GetString(1), reader.GetString(2)));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
            stateEvents[reader.GetString(0)] = (reader.GetString(1), reader.GetFieldValue<byte[]>(2));
        await reader.NextResultAsync(ct);
        if (await reader.ReadAsync(ct))
            joined = reader.GetInt32(0);
        return (events, stateEvents, joined);
    }
}
