using Npgsql;

namespace Cluster.Shared.Storage.Federation;

/// <summary>
/// A PDU taken from a transaction, waiting to be checked and persisted; <see cref="Attempts"/>:
/// how many times it was processed before without a verdict.
/// </summary>
public sealed record QueuedPdu(long Id, string Origin, string RoomId, string EventId, byte[] Json, int Attempts = 0);

/// <summary>
/// The inbound federation queue (migrations 0009, 0013): transactions taken once per (origin, txn ID),
/// and their PDUs until the federation reader has processed them.
/// </summary>
public sealed class InboundPduStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>
    /// The PostgreSQL channel on which a taken transaction names each room it queued PDUs for
    /// (delivered at commit): the federation reader that processes the room may be another process.
    /// </summary>
    public const string Channel = "federation_inbound_pdus";

    /// <summary>
    /// Takes a transaction and queues its PDUs, atomically, and announces their rooms on
    /// <see cref="Channel"/>. False when the transaction was taken before (nothing is queued again).
    /// </summary>
    public async Task<bool> TakeTransactionAsync(
        string origin, string txnId, IReadOnlyList<(string RoomId, string EventId, byte[] Json)> pdus, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand(
            "INSERT INTO federation_inbound_transactions (origin, txn_id, received_ts) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            connection, transaction))
        {
            take.Parameters.AddWithValue(origin);
            take.Parameters.AddWithValue(txnId);
            take.Parameters.AddWithValue(now);
            if (await take.ExecuteNonQueryAsync(cancellationToken) == 0)
                return false;
        }
        if (pdus.Count > 0)
        {
            // Queued and announced in one statement: the announcement goes out at commit.
            await using var queue = new NpgsqlCommand(
                "WITH queued AS (INSERT INTO federation_inbound_pdus (origin, room_id, event_id, json, received_ts) " +
                "SELECT $1, p.room_id, p.event_id, p.json, $5 FROM unnest($2::text[], $3::text[], $4::bytea[]) WITH ORDINALITY AS p(room_id, event_id, json, n) " +
                "ORDER BY p.n RETURNING room_id) " +
                $"SELECT pg_notify('{Channel}', r) FROM (SELECT DISTINCT room_id AS r FROM queued) AS rooms",
                connection, transaction);
            queue.Parameters.AddWithValue(origin);
            queue.Parameters.AddWithValue(pdus.Select(p => p.RoomId).ToArray());
            queue.Parameters.AddWithValue(pdus.Select(p => p.EventId).ToArray());
            queue.Parameters.AddWithValue(pdus.Select(p => p.Json).ToArray());
            queue.Parameters.AddWithValue(now);
            await queue.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The oldest queued PDUs of a room that are ready now (not waiting for a retry), in arrival order.</summary>
    public async Task<IReadOnlyList<QueuedPdu>> NextAsync(string roomId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, origin, room_id, event_id, json, attempts FROM federation_inbound_pdus " +
            "WHERE room_id = $1 AND (retry_at IS NULL OR retry_at <= $3) ORDER BY id LIMIT $2");
        command.Parameters.AddWithValue(roomId);
        command.Parameters.AddWithValue(limit);
        command.Parameters.AddWithValue(time.GetUtcNow().ToUnixTimeMilliseconds());
        var queued = new List<QueuedPdu>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            queued.Add(new QueuedPdu(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<byte[]>(4), reader.GetInt32(5)));
        return queued;
    }

    /// <summary>Keeps the PDU queued for another try at <paramref name="retryAt"/>, counting this attempt.</summary>
    public async Task PostponeAsync(long id, int attempts, DateTimeOffset retryAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE federation_inbound_pdus SET attempts = $2, retry_at = $3 WHERE id = $1");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(attempts);
        command.Parameters.AddWithValue(retryAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Removes PDUs that have their verdict from the queue.</summary>
    public async Task DeleteAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM federation_inbound_pdus WHERE id = ANY($1)");
        command.Parameters.AddWithValue(ids.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>When the room's next PDU that waits for a retry is due; null when none waits.</summary>
    public async Task<DateTimeOffset?> NextRetryAtAsync(string roomId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT MIN(retry_at) FROM federation_inbound_pdus WHERE room_id = $1");
        command.Parameters.AddWithValue(roomId);
        return await command.ExecuteScalarAsync(cancellationToken) is long due ? DateTimeOffset.FromUnixTimeMilliseconds(due) : null;
    }

    /// <summary>Rooms with queued PDUs (left by a stop before they were processed, or waiting for a retry).</summary>
    public async Task<IReadOnlyList<string>> RoomsWithQueuedAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT DISTINCT room_id FROM federation_inbound_pdus");
        var rooms = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            rooms.Add(reader.GetString(0));
        return rooms;
    }
}
