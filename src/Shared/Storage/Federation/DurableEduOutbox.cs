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
        await using var insert = new NpgsqlCommand(
            "INSERT INTO federation_outbox_edus (destination, edu_type, content) " +
            "SELECT d, t, c FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS e(d, t, c, n) ORDER BY n",
            connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = edus.Select(e => e.Destination).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = edus.Select(e => e.EduType).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = edus.Select(e => e.Content).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await insert.ExecuteNonQueryAsync(cancellationToken);
        await using var notify = new NpgsqlCommand(
            $"SELECT pg_notify('{Channel}', d) FROM (SELECT DISTINCT unnest($1::text[]) AS d) AS destinations", connection, transaction);
        notify.Parameters.Add(new NpgsqlParameter { Value = edus.Select(e => e.Destination).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await notify.ExecuteNonQueryAsync(cancellationToken);
    }
}
