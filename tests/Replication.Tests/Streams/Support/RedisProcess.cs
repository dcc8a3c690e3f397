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

    public static async Task<RedisProcess> ConnectAsync(string channel)
    {
        var options = ConfigurationOptions.Parse(BackingServices.Redis);
        options.AbortOnConnectFail = false;
        // Notice a dead connection and reconnect quickly, so the tests stay short.
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(250);
        options.ConnectTimeout = 2000;
        options.ReconnectRetryPolicy = new LinearRetry(100);
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        var bus = await RedisReplicationBus.CreateAsync(connection, channel);
        return new RedisProcess(connection, bus);
    }

    public static string NewChannel() => "test.replication." + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Drops every pub/sub connection on the server, as a Redis restart or network cut would.</summary>
    public static async Task KillSubscriptionConnectionsAsync()
    {
        var options = ConfigurationOptions.Parse(BackingServices.Redis);
        options.AllowAdmin = true;
        await using var admin = await ConnectionMultiplexer.ConnectAsync(options);
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        await server.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
    }

    public async ValueTask DisposeAsync()
    {
        await Bus.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
