using Npgsql;

namespace Cluster.Shared.Storage.Events;

/// <summary>A client transaction ID, scoped as the spec scopes it: one device, one endpoint (and room).</summary>
public sealed record ClientTransaction(string UserId, string DeviceId, string Scope, string TxnId);

/// <summary>Client transaction IDs of sent events (table event_transaction_ids; rows are written by the persister).</summary>
public sealed class TransactionIdStore(NpgsqlDataSource dataSource)
{
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
        if (eventIds.Count == 0)
            return found;
        await using var command = dataSource.CreateCommand(
            "SELECT event_id, txn_id FROM event_transaction_ids WHERE event_id = ANY($1) AND user_id = $2 AND device_id = $3");
        command.Parameters.AddWithValue(eventIds.ToArray());
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(deviceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            found[reader.GetString(0)] = reader.GetString(1);
        return found;
    }
}
