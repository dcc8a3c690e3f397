using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClusterTests.Fixtures;
using Npgsql;

namespace Cluster.ClusterTests.TwoCreators;

/// <summary>
/// A persister that is down makes sends to its rooms fail with a Matrix error the client can
/// retry (never a 500, never a silent loss); the other shard carries on; after a restart the
/// same transaction ID goes through.
/// </summary>
public sealed class PersisterOutageTests : TwoCreatorClusterTest
{
    private const string Victim = "event-persister-2";

    private ClusterUser _alice = null!;
    private MatrixTestClient _creator = null!;
    private string _victimRoom = null!;
    private string _survivorRoom = null!;

    [OneTimeSetUp]
    public async Task CreateARoomInEachShard()
    {
        _alice = await RegisterUserAsync();
        _creator = Cluster.Client(TwoCreatorCluster.Creator, _alice);
        _victimRoom = await CreateRoomOwnedByAsync(_creator, Victim);
        _survivorRoom = await CreateRoomOwnedByAsync(_creator, "event-persister-1");
    }


    // Once for the class, not after each test: a restart costs seconds, and the tests that need
    // the victim down kill it only if it runs.
    [OneTimeTearDown]
    public async Task RestartTheVictim()
    {
        _creator.Dispose();
        if (!Cluster.IsRunning(Victim))
            await Cluster.RestartAsync(Victim);
    }

    [Test]
    public async Task A_send_to_a_room_whose_persister_is_killed_is_503_M_UNKNOWN_and_stores_nothing()
    {
        await Cluster.KillAsync(Victim);
        var before = await CountMessagesAsync(_victimRoom);
        var clock = Stopwatch.StartNew();

        var response = await _creator.PutAsync($"/_matrix/client/v3/rooms/{_victimRoom}/send/m.room.message/outage-1",
            new JsonObject { ["msgtype"] = "m.text", ["body"] = "into the void" });

        var elapsed = clock.Elapsed;
        var after = await CountMessagesAsync(_victimRoom);
        Assert.Multiple(() =>
        {
            Assert.That(response.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), response.Body?.ToJsonString());
            Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN"));
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "the wait for the persister is bounded");
            Assert.That(after, Is.EqualTo(before));
        });
    }

    [Test]
    public async Task A_room_of_the_other_persister_still_takes_messages_while_one_is_down()
    {
        await Cluster.KillAsync(Victim);

        var sent = await _creator.SendTextAsync(_survivorRoom, "still here");

        Assert.That(sent, Does.StartWith("$"));
    }

    [Test]
    public async Task After_the_persister_restarts_the_retried_transaction_is_stored_once()
    {
        await Cluster.KillAsync(Victim);
        var body = new JsonObject { ["msgtype"] = "m.text", ["body"] = "retried" };
        var failed = await _creator.PutAsync($"/_matrix/client/v3/rooms/{_victimRoom}/send/m.room.message/outage-retry", body);
        Assert.That(failed.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), failed.Body?.ToJsonString());

        await Cluster.RestartAsync(Victim);
        var first = (await _creator.PutAsync($"/_matrix/client/v3/rooms/{_victimRoom}/send/m.room.message/outage-retry", body)).Ok();
        var again = (await _creator.PutAsync($"/_matrix/client/v3/rooms/{_victimRoom}/send/m.room.message/outage-retry", body)).Ok();

        Assert.That(again["event_id"]?.GetValue<string>(), Is.EqualTo(first["event_id"]?.GetValue<string>()));
        Assert.That(await WriterOfAsync(first["event_id"]!.GetValue<string>()), Is.EqualTo(Victim));
    }

    private static async Task<long> CountMessagesAsync(string room)
    {
        await using var dataSource = NpgsqlDataSource.Create(Cluster.DatabaseConnectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM events WHERE room_id = $1 AND type = 'm.room.message'");
        command.Parameters.AddWithValue(room);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string?> WriterOfAsync(string eventId)
    {
        await using var dataSource = NpgsqlDataSource.Create(Cluster.DatabaseConnectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT i.instance_name FROM events e JOIN instances i USING (instance_id) WHERE e.event_id = $1");
        command.Parameters.AddWithValue(eventId);
        return await command.ExecuteScalarAsync() as string;
    }
}
