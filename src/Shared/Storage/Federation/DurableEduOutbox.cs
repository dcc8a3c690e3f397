using Npgsql;
using NpgsqlTypes;

namespace Cluster.Shared.Storage.Federation;

/// <summary>An EDU for one destination that must not be lost (migration 0011): its type and canonical JSON content.</summary>
public sealed record DurableEdu(string Destination, string EduType, string Content);

/// <summary>
/// Writes EDUs that must reach their destination into <c>federation_outbox_edus</c>, inside the
/// caller's transaction, so that the request that produced them and the promise to send them
/// commit together. Each destination is announced on the PostgreSQL channel <see cref="Channel"/>
/// (NOTIFY is delivered at commit, so a listener never hears of a row it cannot yet read): the
/// federation sender that owns the destination wakes its queue and drains the rows
/// (FederationSender/OutboxStore).
/// </summary>
public static class DurableEduOutbox
{
    public const string Channel = "federation_outbox_edus";

    public static async Task EnqueueAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<DurableEdu> edus, CancellationToken cancellationToken)
    {
        if (edus.Count == 0)
            return;
        // Stored and announced in one statement: the announcement goes out at commit.
        await using var insert = new NpgsqlCommand(
            "WITH queued AS (INSERT INTO federation_outbox_edus (destination, edu_type, content) " +
            "SELECT d, t, c FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS e(d, t, c, n) ORDER BY n RETURNING destination) " +
            $"SELECT pg_notify('{Channel}', d) FROM (SELECT DISTINCT destination AS d FROM queued) AS destinations",
            connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = edus.Select(e => e.Destination).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = edus.Select(e => e.EduType).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = edus.Select(e => e.Content).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }
}
