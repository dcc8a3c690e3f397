using Cluster.ClusterTests.Fixtures;
using Npgsql;

namespace Cluster.ClusterTests.TwoCreators;

/// <summary>
/// A client's transaction ID names one event, whichever creator its requests reach, whether the
/// creator persists the room in process or over internal HTTP.
/// </summary>
public sealed class TransactionIdempotencyTests : TwoCreatorClusterTest
{
    [TestCase("event-persister-1", TestName = "The_same_transaction_id_through_two_creators_gives_one_event (one creator owns the room)")]
    [TestCase("event-persister-2", TestName = "The_same_transaction_id_through_two_creators_gives_one_event (neither creator owns the room)")]
    public async Task The_same_transaction_id_through_two_creators_gives_one_event(string owner)
    {
        var alice = await RegisterUserAsync();
        using var creator = Cluster.Client(TwoCreatorCluster.Creator, alice);
        using var coHosted = Cluster.Client(TwoCreatorCluster.CoHostedCreator, alice);
        var room = await CreateRoomOwnedByAsync(creator, owner);

        var first = await creator.SendTextAsync(room, "once", txnId: "same-txn");
        var second = await coHosted.SendTextAsync(room, "once", txnId: "same-txn");

        Assert.That(second, Is.EqualTo(first));
        Assert.That(await CountMessagesAsync(room), Is.EqualTo(1));
    }

    [TestCase("event-persister-1", TestName = "Racing_sends_of_one_transaction_id_through_two_creators_give_one_event (one creator owns the room)")]
    [TestCase("event-persister-2", TestName = "Racing_sends_of_one_transaction_id_through_two_creators_give_one_event (neither creator owns the room)")]
    public async Task Racing_sends_of_one_transaction_id_through_two_creators_give_one_event(string owner)
    {
        var alice = await RegisterUserAsync();
        using var creator = Cluster.Client(TwoCreatorCluster.Creator, alice);
        using var coHosted = Cluster.Client(TwoCreatorCluster.CoHostedCreator, alice);
        var room = await CreateRoomOwnedByAsync(creator, owner);

        // Racing, both creators miss the other's event and build their own; the owner persists
        // one, and the other creator learns of it through the owner's refusals (moved on, then
        // duplicate transaction), which cross the hop when the owner is another process.
        const int Transactions = 5;
        for (var i = 0; i < Transactions; i++)
        {
            var sends = await Task.WhenAll(
                creator.SendTextAsync(room, $"race {i}", txnId: $"race-{i}"),
                coHosted.SendTextAsync(room, $"race {i}", txnId: $"race-{i}"));
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
