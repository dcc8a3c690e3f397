using System.Text.Json.Nodes;
using Cluster.Replication.Tokens;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Workers.FederationSender;

/// <summary>A PDU bound for a destination.</summary>
public readonly record struct OutboxEntry(string Destination, string EventId);

/// <summary>A destination with PDUs waiting, and where its back-off stands.</summary>
public sealed record DestinationBacklog(string Destination, int Failures, DateTimeOffset? RetryAt);

/// <summary>
/// The transaction a destination is to get next: its ID, its events in order, and its durable
/// EDUs (migration 0011) in order. <see cref="IsRetry"/>: it was stamped (and sent) before, so it
/// goes again as it was.
/// </summary>
public sealed record PendingTransaction(string TxnId, IReadOnlyList<string> EventIds, IReadOnlyList<OutboundEdu> Edus, bool IsRetry);

/// <summary>
/// The federation sender's tables (migration 0008): each sender's events stream position, the
/// per-destination outbox, and the destinations' transaction counters and back-off. The design is
/// in the migration's header: enqueueing and moving the position commit together, a transaction's
/// rows are stamped with its ID before it is sent, and deleted once the destination answered.
/// </summary>
public sealed class OutboxStore(NpgsqlDataSource dataSource)
{
    /// <summary>The sender's stored position, or null before its first start.</summary>
    /// <summary>
    /// Among the membership events <paramref name="eventIds"/>, those sent otherwise than by their
    /// sender's server: handed over by another server to be sent on (with that server), or this
    /// server's joins that the resident server sends on (with null).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string?>> HandedOverAsync(IReadOnlyList<string> eventIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (eventIds.Count == 0)
            return found;
        await using var command = dataSource.CreateCommand(
            "SELECT event_id, send_on_behalf_of FROM events WHERE event_id = ANY($1) AND (send_on_behalf_of IS NOT NULL OR sent_by_resident)");
        command.Parameters.AddWithValue(eventIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            found[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        return found;
    }

    public async Task<StreamPositionVector?> ReadPositionAsync(string instance, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT events_position FROM federation_sender_positions WHERE instance_name = $1");
        command.Parameters.AddWithValue(instance);
        return await command.ExecuteScalarAsync(cancellationToken) is string text ? StreamPositionVector.Parse(text) : null;
    }

    /// <summary>Stores the position a new sender starts from; a position already there wins and is returned.</summary>
    public async Task<StreamPositionVector> InitializePositionAsync(
        string instance, StreamPositionVector start, CancellationToken cancellationToken)
    {
        await using (var command = dataSource.CreateCommand(
            "INSERT INTO federation_sender_positions (instance_name, events_position) VALUES ($1, $2) ON CONFLICT DO NOTHING"))
        {
            command.Parameters.AddWithValue(instance);
            command.Parameters.AddWithValue(start.ToString());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return await ReadPositionAsync(instance, cancellationToken) ?? start;
    }

    /// <summary>Moves the sender's position (after events that sent nothing).</summary>
    public async Task SavePositionAsync(string instance, StreamPositionVector position, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(SavePositionSql);
        command.Parameters.AddWithValue(instance);
        command.Parameters.AddWithValue(position.ToString());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Adds <paramref name="entries"/> to the outbox, in order, and moves the sender's position to
    /// <paramref name="position"/>, atomically: a sender that stops at any point either resumes
    /// before these events (and enqueues them then) or after them (and they are in the outbox).
    /// </summary>
    public async Task EnqueueAsync(
        string instance, StreamPositionVector position, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var insert = new NpgsqlBatchCommand(
            "INSERT INTO federation_outbox (destination, event_id) " +
            "SELECT destination, event_id FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS e(destination, event_id, n) ORDER BY n");
        insert.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Destination).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.EventId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        batch.BatchCommands.Add(insert);
        var save = new NpgsqlBatchCommand(SavePositionSql);
        save.Parameters.Add(new NpgsqlParameter { Value = instance });
        save.Parameters.Add(new NpgsqlParameter { Value = position.ToString() });
        batch.BatchCommands.Add(save);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Every destination with PDUs or durable EDUs in the outbox, with its back-off: what a starting sender resumes.</summary>
    public async Task<IReadOnlyList<DestinationBacklog>> ReadBacklogsAsync(CancellationToken cancellationToken)
    {
        // A loose index scan would be faster on a huge outbox; the outbox is empty in steady state.
        await using var command = dataSource.CreateCommand(
            "SELECT o.destination, COALESCE(d.failures, 0), d.retry_at " +
            "FROM (SELECT destination FROM federation_outbox UNION SELECT destination FROM federation_outbox_edus) o " +
            "LEFT JOIN federation_destinations d ON d.destination = o.destination");
        var backlogs = new List<DestinationBacklog>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            backlogs.Add(new DestinationBacklog(reader.GetString(0), reader.GetInt32(1),
                reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        return backlogs;
    }

    /// <summary>
    /// The destination's open transaction if it has one (sent before, not answered: it goes again
    /// unchanged), else a new one of its first <paramref name="maxPdus"/> waiting PDUs and first
    /// <paramref name="maxEdus"/> durable EDUs, stamped with a fresh ID. Null when nothing waits.
    /// </summary>
    public async Task<PendingTransaction?> NextTransactionAsync(
        string destination, int maxPdus, int maxEdus, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var pdus = await FirstRowsAsync(connection, transaction,
            "SELECT outbox_id, event_id, txn_id FROM federation_outbox WHERE destination = $1 ORDER BY outbox_id LIMIT $2",
            destination, maxPdus, cancellationToken);
        var edus = await FirstRowsAsync(connection, transaction,
            "SELECT edu_id, edu_type || ' ' || content, txn_id FROM federation_outbox_edus WHERE destination = $1 ORDER BY edu_id LIMIT $2",
            destination, maxEdus, cancellationToken);
        if (pdus.Count == 0 && edus.Count == 0)
            return null;
        // Both tables' rows of the open transaction come first in each (see 0008 and 0010).
        if ((pdus.FirstOrDefault().TxnId ?? edus.FirstOrDefault().TxnId) is { } open)
            return new PendingTransaction(open, [.. pdus.TakeWhile(r => r.TxnId == open).Select(r => r.Value)],
                [.. edus.TakeWhile(r => r.TxnId == open).Select(r => EduOf(r.Value))], IsRetry: true);

        var freshPdus = pdus.TakeWhile(r => r.TxnId is null).ToList();
        var freshEdus = edus.TakeWhile(r => r.TxnId is null).ToList();
        var txnId = await NewTxnIdAsync(connection, transaction, destination, now, cancellationToken);
        await using (var stamp = new NpgsqlBatch(connection, transaction))
        {
            var stampPdus = new NpgsqlBatchCommand("UPDATE federation_outbox SET txn_id = $1 WHERE outbox_id = ANY($2)");
            stampPdus.Parameters.Add(new NpgsqlParameter { Value = txnId });
            stampPdus.Parameters.Add(new NpgsqlParameter { Value = freshPdus.Select(r => r.Id).ToArray() });
            stamp.BatchCommands.Add(stampPdus);
            var stampEdus = new NpgsqlBatchCommand("UPDATE federation_outbox_edus SET txn_id = $1 WHERE edu_id = ANY($2)");
            stampEdus.Parameters.Add(new NpgsqlParameter { Value = txnId });
            stampEdus.Parameters.Add(new NpgsqlParameter { Value = freshEdus.Select(r => r.Id).ToArray() });
            stamp.BatchCommands.Add(stampEdus);
            await stamp.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new PendingTransaction(txnId, [.. freshPdus.Select(r => r.Value)], [.. freshEdus.Select(r => EduOf(r.Value))], IsRetry: false);
    }

    private static async Task<List<(long Id, string Value, string? TxnId)>> FirstRowsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string destination, int limit,
        CancellationToken cancellationToken)
    {
        var rows = new List<(long, string, string?)>();
        if (limit <= 0)
            return rows;
        await using var select = new NpgsqlCommand(sql, connection, transaction);
        select.Parameters.AddWithValue(destination);
        select.Parameters.AddWithValue(limit);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            rows.Add((reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        return rows;
    }

    // "type content": the type has no space (the writer's constants), the content is canonical JSON.
    private static OutboundEdu EduOf(string typeAndContent)
    {
        var space = typeAndContent.IndexOf(' ', StringComparison.Ordinal);
        return new OutboundEdu(typeAndContent[..space], JsonNode.Parse(typeAndContent.AsSpan(space + 1).ToString())!.AsObject());
    }

    /// <summary>
    /// A fresh transaction ID for a transaction of EDUs only, from the same counter as the PDU
    /// transactions', so that the destination never sees an ID twice.
    /// </summary>
    public async Task<string> NewEduTxnIdAsync(string destination, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await NewTxnIdAsync(connection, null, destination, now, cancellationToken);
    }

    // Counted up from the time of the destination's first transaction: IDs stay fresh even if
    // the row were lost.
    private static async Task<string> NewTxnIdAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string destination, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var counter = new NpgsqlCommand(
            "INSERT INTO federation_destinations AS d (destination, last_txn) VALUES ($1, $2) " +
            "ON CONFLICT (destination) DO UPDATE SET last_txn = GREATEST(d.last_txn + 1, EXCLUDED.last_txn) RETURNING last_txn",
            connection, transaction);
        counter.Parameters.AddWithValue(destination);
        counter.Parameters.AddWithValue(now.ToUnixTimeMilliseconds());
        return ((long)(await counter.ExecuteScalarAsync(cancellationToken))!).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The destination answered <paramref name="txnId"/> (delivered or refused): its rows (PDUs and durable EDUs) go, and its back-off ends.</summary>
    public async Task CompleteAsync(string destination, string txnId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var delete = new NpgsqlBatchCommand("DELETE FROM federation_outbox WHERE destination = $1 AND txn_id = $2");
        delete.Parameters.Add(new NpgsqlParameter { Value = destination });
        delete.Parameters.Add(new NpgsqlParameter { Value = txnId });
        batch.BatchCommands.Add(delete);
        var deleteEdus = new NpgsqlBatchCommand("DELETE FROM federation_outbox_edus WHERE destination = $1 AND txn_id = $2");
        deleteEdus.Parameters.Add(new NpgsqlParameter { Value = destination });
        deleteEdus.Parameters.Add(new NpgsqlParameter { Value = txnId });
        batch.BatchCommands.Add(deleteEdus);
        var reset = new NpgsqlBatchCommand(
            "UPDATE federation_destinations SET failures = 0, retry_at = NULL WHERE destination = $1 AND failures > 0");
        reset.Parameters.Add(new NpgsqlParameter { Value = destination });
        batch.BatchCommands.Add(reset);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Stores the destination's back-off, so that a restarted sender keeps to it.</summary>
    public async Task RecordFailureAsync(string destination, int failures, DateTimeOffset retryAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO federation_destinations (destination, failures, retry_at) VALUES ($1, $2, $3) " +
            "ON CONFLICT (destination) DO UPDATE SET failures = EXCLUDED.failures, retry_at = EXCLUDED.retry_at");
        command.Parameters.AddWithValue(destination);
        command.Parameters.AddWithValue(failures);
        command.Parameters.AddWithValue(retryAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private const string SavePositionSql =
        "INSERT INTO federation_sender_positions (instance_name, events_position) VALUES ($1, $2) " +
        "ON CONFLICT (instance_name) DO UPDATE SET events_position = EXCLUDED.events_position";
}
