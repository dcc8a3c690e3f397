using Npgsql;

namespace Cluster.Shared.Storage.Events;

/// <summary>
/// Which outliers are part of a room's history because a backfill fetched them (migration 0012),
/// with the history visibility judged for each, and the room's earliest history as /messages serves it.
/// </summary>
public sealed class BackfilledEventStore(NpgsqlDataSource dataSource)
{
    /// <summary>The part of a query that keeps an event <c>e</c> a client may see in a room's history: in the timeline, or backfilled.</summary>
    internal const string InHistory =
        $"({StoredEventColumns.InTimeline} OR (e.outlier AND e.rejection_reason IS NULL " +
        "AND EXISTS (SELECT 1 FROM backfilled_events b WHERE b.event_id = e.event_id)))";

    /// <summary>Marks stored outliers as backfilled; an event marked before keeps its first judgement.</summary>
    public async Task MarkAsync(IReadOnlyList<(string EventId, string HistoryVisibility)> backfilled, CancellationToken cancellationToken)
    {
        if (backfilled.Count == 0)
            return;
        await using var command = dataSource.CreateCommand(
            "INSERT INTO backfilled_events (event_id, history_visibility) SELECT * FROM unnest($1::text[], $2::text[]) " +
            "ON CONFLICT (event_id) DO NOTHING");
        command.Parameters.AddWithValue(backfilled.Select(b => b.EventId).ToArray());
        command.Parameters.AddWithValue(backfilled.Select(b => b.HistoryVisibility).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The history visibility recorded for each of <paramref name="eventIds"/> that was backfilled.</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetVisibilityAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (eventIds.Count == 0)
            return found;
        await using var command = dataSource.CreateCommand("SELECT event_id, history_visibility FROM backfilled_events WHERE event_id = ANY($1)");
        command.Parameters.AddWithValue(eventIds.Distinct(StringComparer.Ordinal).ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            found[reader.GetString(0)] = reader.GetString(1);
        return found;
    }

    /// <summary>The room's <paramref name="limit"/> earliest events of its history (timeline or backfilled), earliest first.</summary>
    public async Task<IReadOnlyList<StoredEvent>> GetEarliestAsync(string roomId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {StoredEventColumns.Select} FROM {StoredEventColumns.From} WHERE e.room_id = $1 AND {InHistory} " +
            "ORDER BY e.topological_ordering, e.stream_ordering LIMIT $2");
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(limit);
        return await StoredEventColumns.ReadAllAsync(command, cancellationToken);
    }

    /// <summary>Which of <paramref name="eventIds"/> are in the history already (timeline or backfilled).</summary>
    public async Task<IReadOnlySet<string>> InHistoryAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (eventIds.Count == 0)
            return found;
        await using var command = dataSource.CreateCommand($"SELECT e.event_id FROM events e WHERE e.event_id = ANY($1) AND {InHistory}");
        command.Parameters.AddWithValue(eventIds.Distinct(StringComparer.Ordinal).ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            found.Add(reader.GetString(0));
        return found;
    }
}
