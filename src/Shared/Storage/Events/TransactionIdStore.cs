using Cluster.Shared.Caching;
using Npgsql;

namespace Cluster.Shared.Storage.Events;

/// <summary>A client transaction ID, scoped as the spec scopes it: one device, one endpoint (and room).</summary>
public sealed record ClientTransaction(string UserId, string DeviceId, string Scope, string TxnId);

/// <summary>
/// Client transaction IDs of sent events (table event_transaction_ids; rows are written by the
/// persister). The events this process persisted last are also kept in memory with their
/// transaction (or none), so the sender's own /sync, which shows it, does not ask PostgreSQL.
/// </summary>
public sealed class TransactionIdStore(NpgsqlDataSource dataSource)
{
    /// <summary>Persisted events remembered at most (oldest forgotten first).</summary>
    public const int RecentCapacity = 50_000;

    private readonly RecentEntries<ClientTransaction?> _recent = new(RecentCapacity);

    /// <summary>This process committed <paramref name="eventId"/>, sent under <paramref name="transaction"/> (null: without one).</summary>
    public void RememberPersisted(string eventId, ClientTransaction? transaction) => _recent.Add(eventId, transaction);

    /// <summary>The event an earlier request with this transaction ID created, if any. Served by event_transaction_ids_request.</summary>
    public async Task<string?> FindEventAsync(ClientTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT event_id FROM event_transaction_ids WHERE user_id = $1 AND device_id = $2 AND scope = $3 AND txn_id = $4");
        command.Parameters.AddWithValue(transaction.UserId);
        command.Parameters.AddWithValue(transaction.DeviceId);
        command.Parameters.AddWithValue(transaction.Scope);
        command.Parameters.AddWithValue(transaction.TxnId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>
    /// The transaction IDs under which (<paramref name="userId"/>, <paramref name="deviceId"/>) sent
    /// any of <paramref name="eventIds"/>: what <c>unsigned.transaction_id</c> shows the sending device only.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> GetForDeviceAsync(
        IReadOnlyCollection<string> eventIds, string userId, string deviceId, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (var eventId in eventIds)
        {
            if (!_recent.TryGet(eventId, out var transaction))
                unknown.Add(eventId);
            else if (transaction is not null && transaction.UserId == userId && transaction.DeviceId == deviceId)
                found[eventId] = transaction.TxnId;
        }
        if (unknown.Count == 0)
            return found;
        // Joined from the IDs: the planner always takes the primary key, where `event_id = ANY($1)`
        // under a generic plan could prefer the device's index and scan every transaction it sent.
        await using var command = dataSource.CreateCommand(
            "SELECT t.event_id, t.txn_id FROM unnest($1::text[]) AS k(event_id) JOIN event_transaction_ids t ON t.event_id = k.event_id " +
            "WHERE t.user_id = $2 AND t.device_id = $3");
        command.Parameters.AddWithValue(unknown.ToArray());
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(deviceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            found[reader.GetString(0)] = reader.GetString(1);
        return found;
    }
}
