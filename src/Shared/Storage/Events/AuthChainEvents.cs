using Cluster.Shared.StateResolution;
using Npgsql;

namespace Cluster.Shared.Storage.Events;

/// <summary>
/// Events with their whole auth chains, read in one transaction: what state resolution needs to
/// merge the states of a room's forks, and what a state answer over federation carries.
/// </summary>
public sealed class AuthChainEvents
{
    /// <summary>Most events one load walks: a room's auth chain grows with its power and member changes, not its messages.</summary>
    public const int MaxEvents = 100_000;

    // Walks auth_events edges from the given events; UNION (not ALL) stops at events already seen.
    private const string ChainSql =
        "WITH RECURSIVE chain(event_id) AS (SELECT unnest($1::text[]) UNION " +
        "SELECT a.auth_event_id FROM event_auth_edges a JOIN chain c ON a.event_id = c.event_id) ";

    /// <summary>The stored events among <paramref name="eventIds"/> and every event of their auth chains, as a state resolution source.</summary>
    public async Task<InMemoryEventSource> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var stored = await LoadStoredAsync(connection, transaction, eventIds, cancellationToken);
        return new InMemoryEventSource(stored.Select(e => e.ToPdu()), stored.Where(e => e.RejectionReason is not null).Select(e => e.EventId));
    }

    /// <summary>The stored events among <paramref name="eventIds"/> and their auth chains, in no particular order.</summary>
    public async Task<IReadOnlyList<StoredEvent>> LoadStoredAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            ChainSql + $"SELECT {StoredEventColumns.Select} FROM chain ch JOIN events e ON e.event_id = ch.event_id " +
            $"JOIN rooms r ON r.room_id = e.room_id LIMIT {MaxEvents}", connection, transaction);
        command.Parameters.AddWithValue(eventIds.Distinct(StringComparer.Ordinal).ToArray());
        return await StoredEventColumns.ReadAllAsync(command, cancellationToken);
    }
}
