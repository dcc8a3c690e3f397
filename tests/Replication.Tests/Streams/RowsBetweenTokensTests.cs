using Cluster.Replication.Bus;
using Cluster.Replication.Streams;
using Cluster.Replication.Tests.Streams.Support;
using Cluster.Replication.Tokens;

namespace Cluster.Replication.Tests.Streams;

/// <summary>"Rows after token A up to token B": writer w's rows with A[w] &lt; position &lt;= B[w].</summary>
public class RowsBetweenTokensTests : DatabaseTest
{
    private static StreamPositionVector Vector(long minimum, params (int Writer, long Position)[] ahead) =>
        StreamPositionVector.Create(minimum, ahead.Select(a => new WriterPosition(a.Writer, a.Position)));

    private async Task InsertAsync(params (long Position, int Writer)[] rows)
    {
        foreach (var (position, writer) in rows)
        {
            await using var command = Database.Admin.CreateCommand(
                "INSERT INTO test_rows_stream (stream_id, instance_id, body) VALUES ($1, $2, $3)");
            command.Parameters.AddWithValue(position);
            command.Parameters.AddWithValue(writer);
            command.Parameters.AddWithValue($"{writer}@{position}");
            await command.ExecuteNonQueryAsync();
        }
    }

    private async Task<long[]> BetweenAsync(StreamPositionVector from, StreamPositionVector to, int limit = 100, long resumeAfter = 0)
    {
        var store = new StreamStore<string>(TestRowStream.Instance, Database.Admin);
        var rows = await store.ReadRowsBetweenAsync(from, to, limit, CancellationToken.None, resumeAfter);
        return rows.Select(r => r.Position).ToArray();
    }

    [Test]
    public async Task EachWriterIsBoundedByItsOwnPositionsInBothTokens()
    {
        var w1 = await Database.RegisterAsync("between-1");
        var w2 = await Database.RegisterAsync("between-2");
        var w3 = await Database.RegisterAsync("between-3");
        await InsertAsync((1, w1), (2, w1), (3, w2), (4, w2), (5, w1), (6, w2), (7, w3), (8, w3));

        // From: w1 at 2 (the minimum), w2 at 4, w3 unlisted so at 2.
        // To: minimum 6 (w2 unlisted, at 6), w1 and w3 ahead at 7.
        var rows = await BetweenAsync(Vector(2, (w2, 4)), Vector(6, (w1, 7), (w3, 7)));

        Assert.That(rows, Is.EqualTo(new long[] { 5, 6, 7 }));
    }

    [Test]
    public async Task ARowOfAWriterAheadInTheFromTokenIsNotReturnedAgain()
    {
        var w1 = await Database.RegisterAsync("between-1");
        var w2 = await Database.RegisterAsync("between-2");
        await InsertAsync((1, w1), (2, w2), (3, w2), (4, w1));

        // w2 was ahead (at 3) when the first token was minted; its rows 2 and 3 were already sent.
        var rows = await BetweenAsync(Vector(1, (w2, 3)), Vector(4));

        Assert.That(rows, Is.EqualTo(new long[] { 4 }));
    }

    [Test]
    public async Task EqualTokensHoldNothingBetweenThem()
    {
        var w1 = await Database.RegisterAsync("between-1");
        await InsertAsync((1, w1), (2, w1));

        Assert.That(await BetweenAsync(Vector(1, (w1, 2)), Vector(1, (w1, 2))), Is.Empty);
    }

    [Test]
    public async Task ResultsPageInPositionOrder()
    {
        var w1 = await Database.RegisterAsync("between-1");
        var w2 = await Database.RegisterAsync("between-2");
        await InsertAsync((1, w1), (2, w2), (3, w1), (4, w2), (5, w1));

        var first = await BetweenAsync(Vector(0), Vector(5), limit: 2);
        var second = await BetweenAsync(Vector(0), Vector(5), limit: 2, resumeAfter: first[^1]);
        var third = await BetweenAsync(Vector(0), Vector(5), limit: 2, resumeAfter: second[^1]);

        Assert.That(first.Concat(second).Concat(third), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
    }

    /// <summary>
    /// Three writers commit out of order while a follower's positions are sampled as tokens:
    /// the ranges between consecutive tokens hold every committed row exactly once.
    /// </summary>
    [Test]
    public async Task RangesBetweenConsecutiveTokensHoldEveryRowExactlyOnce()
    {
        await using var bus = new InProcessReplicationBus();
        var options = new StreamWriterOptions { IdleAnnounceDelay = TimeSpan.FromMilliseconds(5) };
        var writers = new List<StreamWriter<string>>();
        foreach (var name in new[] { "between-1", "between-2", "between-3" })
            writers.Add(await StreamWriter<string>.StartAsync(TestRowStream.Instance, Database.NewDataSource(), bus, await Database.RegisterAsync(name), options));
        await using var follower = new StreamFollower<string>(TestRowStream.Instance, Database.NewDataSource(), bus);
        await follower.StartAsync(CancellationToken.None);
        var workloads = writers.Select((w, i) => new WriterWorkload(w, Database.Admin, seed: 30 + i)).ToArray();

        var tokens = new List<StreamPositionVector> { follower.Positions };
        var writing = Task.WhenAll(workloads.Select(w => w.RunAsync(concurrent: 3, transactionsEach: 20, CancellationToken.None)));
        while (!writing.IsCompleted)
        {
            await Task.Delay(15);
            tokens.Add(follower.Positions);
        }
        await writing;
        var final = StreamPositionVector.Create(0, writers.Select(w => new WriterPosition(w.WriterId, w.Position)));
        await follower.Notifier.WaitUntilReachedAsync("test_rows", final, CancellationToken.None).Within("the follower catches up");
        tokens.Add(follower.Positions);

        var seen = new List<long>();
        for (var i = 1; i < tokens.Count; i++)
        {
            Assert.That(tokens[i - 1].IsBeforeOrEqual(tokens[i]), $"token {i} does not go back");
            seen.AddRange(await BetweenAsync(tokens[i - 1], tokens[i], limit: 10_000));
        }
        var committed = workloads.SelectMany(w => w.Committed).Select(r => r.Position).Order().ToArray();
        Assert.That(tokens.Distinct().Count(), Is.GreaterThan(3), "the tokens sampled progress, not just the start and end");
        // Each range ascends, but a row can land in a later range than a higher position of another writer.
        Assert.That(seen.Order(), Is.EqualTo(committed));
        foreach (var writer in writers)
            await writer.DisposeAsync();
    }
}
