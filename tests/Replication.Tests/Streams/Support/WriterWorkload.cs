using System.Collections.Concurrent;
using Cluster.Replication.Streams;
using Npgsql;

namespace Cluster.Replication.Tests.Streams.Support;

/// <summary>
/// Drives one writer like a busy process: several concurrent transactions, each allocating a
/// few positions, writing rows at some of them, waiting a random time before it commits (so
/// commits land out of order) or, now and then, rolling back.
/// </summary>
public sealed class WriterWorkload(StreamWriter<string> writer, NpgsqlDataSource dataSource, int seed)
{
    public ConcurrentBag<(int Writer, long Position, string Body)> Committed { get; } = [];

    public int MaxDelayMilliseconds { get; init; } = 15;
    public double RollbackRate { get; init; } = 0.1;

    public Task RunAsync(int concurrent, int transactionsEach, CancellationToken cancellationToken, string label = "") =>
        Task.WhenAll(Enumerable.Range(0, concurrent).Select(lane =>
            Task.Run(() => LaneAsync(new Random(seed * 100 + lane), lane, transactionsEach, label, cancellationToken), cancellationToken)));

    private async Task LaneAsync(Random random, int lane, int transactions, string label, CancellationToken cancellationToken)
    {
        for (var i = 0; i < transactions; i++)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            using var allocation = await writer.AllocateAsync(random.Next(1, 4), connection, cancellationToken);
            // Sometimes leave positions unused: gaps are normal.
            var used = random.Next(1, allocation.Positions.Count + 1);
            var rows = allocation.Rows(Enumerable.Range(0, used).Select(r => $"{writer.WriterId}/{label}{lane}/{i}/{r}").ToArray());
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await writer.Store.Definition.InsertAsync(connection, transaction, rows, cancellationToken);
            await Task.Delay(random.Next(0, MaxDelayMilliseconds + 1), cancellationToken);
            if (random.NextDouble() < RollbackRate)
            {
                await transaction.RollbackAsync(cancellationToken);
                allocation.Abandon();
                continue;
            }
            await transaction.CommitAsync(cancellationToken);
            foreach (var row in rows)
                Committed.Add((row.WriterId, row.Position, row.Data));
            allocation.Complete(rows);
        }
    }
}
