using Cluster.Integration.Tests.Fixtures;
using Cluster.Replication.Bus;
using StackExchange.Redis;

namespace Cluster.Replication.Tests.Streams.Support;

/// <summary>One "process"'s own Redis connection and bus on a channel private to the test.</summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private RedisProcess(ConnectionMultiplexer connection, RedisReplicationBus bus)
    {
        Connection = connection;
        Bus = bus;
    }

    public ConnectionMultiplexer Connection { get; }
    public RedisReplicationBus Bus { get; }

    /// <summary>Connects to <paramref name="configuration"/> (the shared test Redis when null).</summary>
    public static async Task<RedisProcess> ConnectAsync(string channel, string? configuration = null)
    {
        var options = ConfigurationOptions.Parse(configuration ?? BackingServices.Redis);
        options.AbortOnConnectFail = false;
        // Notice a dead connection and reconnect quickly, so the tests stay short.
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(250);
        options.ConnectTimeout = 2000;
        options.ReconnectRetryPolicy = new LinearRetry(100);
        // Named after the channel, so a test can cut its own connections and nobody else's.
        options.ClientName = ClientNameFor(channel);
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        var bus = await RedisReplicationBus.CreateAsync(connection, channel);
        return new RedisProcess(connection, bus);
    }

    public static string NewChannel() => "test.replication." + Guid.NewGuid().ToString("N")[..12];

    private static string ClientNameFor(string channel) => "cluster-test-" + channel.Replace('.', '-');

    /// <summary>
    /// Drops the pub/sub connections of every process on <paramref name="channel"/>, as a Redis
    /// restart or a network cut would (only ours: other test assemblies share the server).
    /// Returns how many were killed.
    /// </summary>
    public static async Task<int> KillSubscriptionConnectionsAsync(string channel)
    {
        var options = ConfigurationOptions.Parse(BackingServices.Redis);
        options.AllowAdmin = true;
        await using var admin = await ConnectionMultiplexer.ConnectAsync(options);
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        var name = ClientNameFor(channel);
        var killed = 0;
        foreach (var client in await server.ClientListAsync())
        {
            if (client.Name != name || !client.Flags.HasFlag(ClientFlags.PubSubSubscriber))
                continue;
            await server.ClientKillAsync(id: client.Id);
            killed++;
        }
        return killed;
    }

    public async ValueTask DisposeAsync()
    {
        await Bus.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
