using Microsoft.Extensions.Options;
using Npgsql;

namespace Cluster.Workers.Background;

/// <summary>
/// Forgets the IDs of transactions other servers sent us (federation_inbound_transactions, kept
/// so that a retried transaction is not taken twice) once they are older than any retry: the
/// table otherwise grows with every transaction. Their PDUs are not affected (they leave the
/// queue as they are processed).
/// </summary>
public sealed class InboundTransactionPruning(
    NpgsqlDataSource dataSource, IOptions<PruningOptions> options, TimeProvider time, ILogger<InboundTransactionPruning> logger)
    : PeriodicPruning(options.Value, time, logger)
{
    protected override string What => "inbound federation transaction IDs";

    public override async Task<int> PruneOnceAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM federation_inbound_transactions WHERE received_ts < $1");
        command.Parameters.AddWithValue((Time.GetUtcNow() - options.Value.InboundTransactionRetention).ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
