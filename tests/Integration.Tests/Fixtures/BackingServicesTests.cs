using System.Threading.Channels;
using Npgsql;
using StackExchange.Redis;

namespace Cluster.Integration.Tests.Fixtures;

/// <summary>Proves the fixtures are real servers, not stand-ins.</summary>
public class BackingServicesTests
{
    [Test]
    public async Task PostgresStoresAndReturnsARow()
    {
        await using var source = NpgsqlDataSource.Create(BackingServices.Postgres);
        var table = "fixture_probe_" + Guid.NewGuid().ToString("N")[..12];
        await using (var create = source.CreateCommand($"CREATE TABLE {table} (id bigint PRIMARY KEY, body text NOT NULL)"))
            await create.ExecuteNonQueryAsync();
        try
        {
            await using (var insert = source.CreateCommand($"INSERT INTO {table} (id, body) VALUES ($1, $2)"))
            {
                insert.Parameters.AddWithValue(42L);
                insert.Parameters.AddWithValue("héllo ☃");
                Assert.That(await insert.ExecuteNonQueryAsync(), Is.EqualTo(1));
            }
            await using var select = source.CreateCommand($"SELECT body FROM {table} WHERE id = $1");
            select.Parameters.AddWithValue(42L);
            Assert.That(await select.ExecuteScalarAsync(), Is.EqualTo("héllo ☃"));
        }
        finally
        {
            await using var drop = source.CreateCommand($"DROP TABLE {table}");
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Test]
    public async Task RedisDeliversAPublishedMessageToASubscriberOnAnotherConnection()
    {
        await using var subscriberConnection = await ConnectionMultiplexer.ConnectAsync(BackingServices.Redis);
        await using var publisherConnection = await ConnectionMultiplexer.ConnectAsync(BackingServices.Redis);
        var channel = RedisChannel.Literal("fixture-probe-" + Guid.NewGuid().ToString("N"));
        var received = Channel.CreateUnbounded<string>();
        var queue = await subscriberConnection.GetSubscriber().SubscribeAsync(channel);
        queue.OnMessage(m => received.Writer.TryWrite(m.Message.ToString()));

        var subscribers = await publisherConnection.GetSubscriber().PublishAsync(channel, "ping 1");
        Assert.That(subscribers, Is.EqualTo(1), "the subscriber on the other connection should be registered");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.That(await received.Reader.ReadAsync(timeout.Token), Is.EqualTo("ping 1"));
    }
}
