using System.Text.Json;
using Cluster.Shared.Storage;

namespace Cluster.Integration.Tests.Storage;

/// <summary>
/// The event storage schema has the tables and indexes the /sync, /messages and replication
/// queries rely on, and PostgreSQL actually uses those indexes for them.
/// </summary>
public class EventSchemaTests : FreshDatabaseTest
{
    [SetUp]
    public async Task Migrate() => await SchemaMigrator.MigrateAsync(DataSource, CancellationToken.None);

    [TestCase("instances")]
    [TestCase("stream_positions")]
    [TestCase("rooms")]
    [TestCase("events")]
    [TestCase("event_edges")]
    [TestCase("event_auth_edges")]
    [TestCase("room_forward_extremities")]
    [TestCase("current_state_events")]
    [TestCase("state_groups")]
    [TestCase("state_groups_state")]
    [TestCase("event_to_state_groups")]
    public async Task TableExists(string table) =>
        Assert.That(await ScalarAsync<bool>("SELECT to_regclass($1) IS NOT NULL", table), Is.True);

    [Test]
    public async Task TheEventsStreamHasItsSequence() =>
        Assert.That(await ScalarAsync<long>("SELECT nextval('events_stream_seq')"), Is.EqualTo(1));

    [TestCase("events", "events_stream_ordering_key", "(stream_ordering)")]
    [TestCase("events", "events_room_topological", "(room_id, topological_ordering, stream_ordering)")]
    [TestCase("events", "events_room_stream", "(room_id, stream_ordering)")]
    [TestCase("event_edges", "event_edges_prev", "(prev_event_id)")]
    [TestCase("current_state_events", "current_state_events_pkey", "(room_id, type, state_key)")]
    [TestCase("current_state_events", "current_state_events_member", "(state_key, membership) WHERE (type = 'm.room.member'::text)")]
    [TestCase("room_forward_extremities", "room_forward_extremities_pkey", "(room_id, event_id)")]
    [TestCase("state_groups_state", "state_groups_state_pkey", "(state_group, type, state_key)")]
    [TestCase("rooms", "rooms_public", "(room_id) WHERE is_public")]
    public async Task IndexExists(string table, string index, string columns)
    {
        var definition = await ScalarAsync<string>("SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexname = $2", table, index);

        Assert.That(definition, Is.Not.Null, $"no index {index} on {table}");
        Assert.That(definition, Does.EndWith(columns));
    }

    [Test]
    public async Task AMemberEventInCurrentStateMustCarryItsMembership()
    {
        var error = Assert.ThrowsAsync<Npgsql.PostgresException>(() => ExecuteAsync(
            "INSERT INTO current_state_events (room_id, type, state_key, event_id) VALUES ('!r:x', 'm.room.member', '@u:x', '$e')"));

        Assert.That(error!.SqlState, Is.EqualTo(Npgsql.PostgresErrorCodes.CheckViolation));
    }

    [Test]
    public async Task AStateGroupIsEitherFullOrADelta()
    {
        var error = Assert.ThrowsAsync<Npgsql.PostgresException>(() => ExecuteAsync(
            "INSERT INTO state_groups (room_id, event_id, prev_state_group, delta_chain_length) VALUES ('!r:x', '$e', NULL, 3)"));

        Assert.That(error!.SqlState, Is.EqualTo(Npgsql.PostgresErrorCodes.CheckViolation));
    }

    [Test]
    public async Task StoredEventJsonComesBackByteForByte()
    {
        // Key order, escapes and non-ASCII exactly as signed: what jsonb would not keep.
        var canonical = "{\"b\":1,\"a\":\"\\u0000é\",\"a\":2}"u8.ToArray();
        var writer = await new InstanceRegistry(DataSource).GetOrRegisterAsync("main", CancellationToken.None);
        await ExecuteAsync("""
            INSERT INTO events (event_id, room_id, stream_ordering, instance_id, topological_ordering, type, sender, origin_server_ts, json)
            VALUES ('$e', '!r:x', nextval('events_stream_seq'), $1, 1, 'm.room.message', '@u:x', 0, $2)
            """, writer, canonical);

        Assert.That(await ScalarAsync<byte[]>("SELECT json FROM events WHERE event_id = '$e'"), Is.EqualTo(canonical));
    }

    /// <summary>
    /// Enough rows that PostgreSQL prefers an index when one fits, interleaved in stream order
    /// as a busy server would write them: one busy room with a quarter of the events (long
    /// enough that a page is a small part of its history) and 1000 quiet rooms sharing the
    /// rest (each a small part of the stream, which is what the per-room indexes are for).
    /// </summary>
    private async Task FillAsync()
    {
        var writer = await new InstanceRegistry(DataSource).GetOrRegisterAsync("persister-1", CancellationToken.None);
        await ExecuteAsync("""
            INSERT INTO events (event_id, room_id, stream_ordering, instance_id, topological_ordering, type, sender, origin_server_ts, json)
            SELECT '$' || n, CASE WHEN n % 4 = 0 THEN '!busy:x' ELSE '!room' || (n % 1000) || ':x' END, n, $1, n / 10, 'm.room.message', '@u:x', n, convert_to('{}', 'UTF8')
            FROM generate_series(1, 40000) AS n
            """, writer);
        await ExecuteAsync("""
            INSERT INTO current_state_events (room_id, type, state_key, event_id, membership)
            SELECT '!room' || r || ':x', 'm.room.member', '@user' || u || ':x', '$m' || r || '_' || u, 'join'
            FROM generate_series(0, 49) AS r, generate_series(0, 199) AS u
            """);
        await ExecuteAsync("ANALYZE");
    }

    [TestCase("SELECT event_id FROM events WHERE stream_ordering > 22000 AND stream_ordering <= 22500 ORDER BY stream_ordering LIMIT 100",
        "events_stream_ordering_key", TestName = "CatchUpBetweenTwoStreamPositionsUsesTheStreamIndex")]
    [TestCase("SELECT event_id FROM events WHERE room_id = '!busy:x' AND (topological_ordering, stream_ordering) < (2000, 20000) ORDER BY topological_ordering DESC, stream_ordering DESC LIMIT 50",
        "events_room_topological", TestName = "MessagesPaginationUsesTheRoomTopologicalIndex")]
    [TestCase("SELECT event_id FROM events WHERE room_id = '!room7:x' AND stream_ordering > 15000 AND stream_ordering <= 39000 ORDER BY stream_ordering DESC LIMIT 20",
        "events_room_stream", TestName = "SyncRoomTimelineUsesTheRoomStreamIndex")]
    [TestCase("SELECT room_id FROM current_state_events WHERE type = 'm.room.member' AND state_key = '@user42:x' AND membership = 'join'",
        "current_state_events_member", TestName = "RoomsAUserIsInUsesTheMembershipIndex")]
    public async Task QueryUsesTheIndexWithoutSorting(string query, string index)
    {
        await FillAsync();

        var plan = await ScalarAsync<string>("EXPLAIN (FORMAT JSON) " + query);

        var nodes = PlanNodes(JsonDocument.Parse(plan!).RootElement[0].GetProperty("Plan")).ToList();
        Assert.That(nodes.Select(n => n.TryGetProperty("Index Name", out var name) ? name.GetString() : null), Does.Contain(index), plan);
        Assert.That(nodes.Select(n => n.GetProperty("Node Type").GetString()), Has.None.EqualTo("Sort"),
            "the index should deliver rows in the requested order: " + plan);
    }

    private static IEnumerable<JsonElement> PlanNodes(JsonElement node)
    {
        yield return node;
        if (node.TryGetProperty("Plans", out var children))
            foreach (var child in children.EnumerateArray())
            foreach (var descendant in PlanNodes(child))
                yield return descendant;
    }
}
