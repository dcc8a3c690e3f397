using Cluster.ClusterTests.Fixtures;
using Npgsql;

namespace Cluster.ClusterTests.TwoCreators;

/// <summary>A client's transaction ID names one event, whichever creator its requests reach.</summary>
public sealed class TransactionIdempotencyTests : TwoCreatorClusterTest
{
    [Test]
    public async Task The_same_transaction_id_sent_through_two_creators_gives_one_event()
    {
        var alice = await RegisterUserAsync();
        using var creator1 = Cluster.Client("event-creator-1", alice);
        using var creator2 = Cluster.Client("event-creator-2", alice);
        var room = await creator1.CreateRoomAsync();

        var first = await creator1.SendTextAsync(room, "once", txnId: "same-txn");
        var second = await creator2.SendTextAsync(room, "once", txnId: "same-txn");

        Assert.That(second, Is.EqualTo(first));
        Assert.That(await CountMessagesAsync(room), Is.EqualTo(1));
    }

    [Test]
    public async Task Concurrent_sends_of_one_transaction_id_through_two_creators_give_one_event()
    {
        var alice = await RegisterUserAsync();
        using var creator1 = Cluster.Client("event-creator-1", alice);
        using var creator2 = Cluster.Client("event-creator-2", alice);
        var room = await creator1.CreateRoomAsync();

        // Racing, both creators miss the other's event and build their own; the owner persists
        // one, and the other creator learns of it through a refusal that crossed the hop.
        const int Transactions = 6;
        for (var i = 0; i < Transactions; i++)
        {
            var sends = await Task.WhenAll(
                creator1.SendTextAsync(room, $"race {i}", txnId: $"race-{i}"),
                creator2.SendTextAsync(room, $"race {i}", txnId: $"race-{i}"));
            Assert.That(sends[1], Is.EqualTo(sends[0]), $"transaction race-{i}");
        }
        Assert.That(await CountMessagesAsync(room), Is.EqualTo(Transactions));
    }

    private static async Task<long> CountMessagesAsync(string room)
    {
        await using var dataSource = NpgsqlDataSource.Create(Cluster.DatabaseConnectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM events WHERE room_id = $1 AND type = 'm.room.message'");
        command.Parameters.AddWithValue(room);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
