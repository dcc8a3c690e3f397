using Npgsql;

namespace Cluster.Shared.Storage.Events;

/// <summary>
/// Walks the room DAG's edges: prev_events (event_edges), for serving history to other servers,
/// and auth_events (event_auth_edges), for auth chains. Only events of the given room are returned.
/// </summary>
public sealed class EventGraphStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Walks the room's prev_events breadth first from <paramref name="from"/> (those of them that are
    /// events of <paramref name="roomId"/> come first) and returns the IDs met, nearest first, at most
    /// <paramref name="maxEvents"/>. The walk does not enter <paramref name="stopAt"/>, events below
    /// <paramref name="minDepth"/>, or events the server does not hold. PostgreSQL evaluates a
    /// recursive query only as far as its reader fetches rows, so the LIMIT ends the walk early
    /// however long the room's history; UNION visits each event once, so forks that merge again are
    /// walked once. Served by the event_edges and events primary keys.
    /// </summary>
    public async Task<IReadOnlyList<string>> WalkPrevEventsAsync(
        string roomId, IReadOnlyCollection<string> from, IReadOnlyCollection<string> stopAt, long minDepth, int maxEvents,
        CancellationToken cancellationToken)
    {
        if (from.Count == 0 || maxEvents <= 0)
            return [];
        await using var command = dataSource.CreateCommand(
            "WITH RECURSIVE walk(event_id) AS (" +
            "  SELECT event_id FROM events WHERE event_id = ANY($1) AND room_id = $2" +
            "  UNION" +
            "  SELECT p.event_id FROM walk w JOIN event_edges ee ON ee.event_id = w.event_id" +
            "  JOIN events p ON p.event_id = ee.prev_event_id" +
            "  WHERE p.room_id = $2 AND p.topological_ordering >= $4 AND NOT (p.event_id = ANY($3))" +
            ") SELECT event_id FROM walk LIMIT $5");
        command.Parameters.AddWithValue(from.Distinct(StringComparer.Ordinal).ToArray());
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(stopAt.Distinct(StringComparer.Ordinal).ToArray());
        command.Parameters.AddWithValue(minDepth);
        command.Parameters.AddWithValue(maxEvents);
        var walked = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            walked.Add(reader.GetString(0));
        return walked;
    }

    /// <summary>
    /// The auth chain of <paramref name="eventIds"/>: their auth events, and theirs, recursively (the
    /// given events themselves only when one authorises another), limited to accepted events of
    /// <paramref name="roomId"/> that the server holds. UNION (not UNION ALL) visits each event once,
    /// so the walk ends even on a malformed graph. Served by the event_auth_edges primary key.
    /// </summary>
    public async Task<IReadOnlyList<string>> GetAuthChainIdsAsync(
        string roomId, IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        if (eventIds.Count == 0)
            return [];
        await using var command = dataSource.CreateCommand(
            "WITH RECURSIVE chain(event_id) AS (" +
            "  SELECT auth_event_id FROM event_auth_edges WHERE event_id = ANY($1)" +
            "  UNION" +
            "  SELECT a.auth_event_id FROM event_auth_edges a JOIN chain c ON a.event_id = c.event_id" +
            ") SELECT c.event_id FROM chain c JOIN events e ON e.event_id = c.event_id " +
            "WHERE e.room_id = $2 AND e.rejection_reason IS NULL");
        command.Parameters.AddWithValue(eventIds.Distinct(StringComparer.Ordinal).ToArray());
        command.Parameters.AddWithValue(roomId);
        var chain = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            chain.Add(reader.GetString(0));
        return chain;
    }
}
