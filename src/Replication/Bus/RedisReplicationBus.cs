using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Cluster.Replication.Bus;

/// <summary>
/// The bus over Redis pub/sub: one channel for the whole cluster, every stream's updates on it.
/// Messages arrive through one ordered queue, so a subscriber sees them in the order Redis
/// received them. Redis forgets messages sent while a subscriber is disconnected; the
/// multiplexer's connection events tell subscribers so they can catch up from PostgreSQL.
/// </summary>
public sealed class RedisReplicationBus : IReplicationBus
{
    public const string DefaultChannel = "cluster.replication";

    private readonly IConnectionMultiplexer _connection;
    private readonly RedisChannel _channel;
    private readonly ILogger _logger;
    private readonly ListenerRegistry _listeners = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _probes = new();
    private ChannelMessageQueue? _queue;

    private RedisReplicationBus(IConnectionMultiplexer connection, string channel, ILogger logger)
    {
        _connection = connection;
        _channel = RedisChannel.Literal(channel);
        _logger = logger;
    }

    /// <summary>
    /// How a process should connect for the bus: keep retrying instead of failing at start (the
    /// follower catches up once connected), and run the multiplexer's socket work on the thread
    /// pool rather than its few dedicated threads, which on a busy 2-core machine cut the
    /// replication lag's p99 from 12 ms to 4-6 ms (BENCHMARKS.md, Replication).
    /// </summary>
    public static ConfigurationOptions ConnectionOptions(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.SocketManager = SocketManager.ThreadPool;
        return options;
    }

    /// <summary>Subscribes to the cluster channel; the multiplexer stays the caller's.</summary>
    public static async Task<RedisReplicationBus> CreateAsync(
        IConnectionMultiplexer connection, string channel = DefaultChannel, ILogger<RedisReplicationBus>? logger = null)
    {
        var bus = Unsubscribed(connection, channel, logger);
        return bus.Listen(await connection.GetSubscriber().SubscribeAsync(bus._channel).ConfigureAwait(false));
    }

    /// <summary>
    /// As <see cref="CreateAsync"/>, for a dependency-injection factory, which runs before any
    /// hosted service starts and cannot await.
    /// </summary>
    public static RedisReplicationBus Create(
        IConnectionMultiplexer connection, string channel = DefaultChannel, ILogger<RedisReplicationBus>? logger = null)
    {
        var bus = Unsubscribed(connection, channel, logger);
        return bus.Listen(connection.GetSubscriber().Subscribe(bus._channel));
    }

    private static RedisReplicationBus Unsubscribed(IConnectionMultiplexer connection, string channel, ILogger<RedisReplicationBus>? logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        var bus = new RedisReplicationBus(connection, channel, logger ?? NullLogger<RedisReplicationBus>.Instance);
        connection.ConnectionFailed += bus.OnConnectionFailed;
        connection.ConnectionRestored += bus.OnConnectionRestored;
        return bus;
    }

    private RedisReplicationBus Listen(ChannelMessageQueue queue)
    {
        _queue = queue;
        queue.OnMessage(OnMessage);
        return this;
    }

    public async Task PublishAsync(StreamUpdate update, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisconnected();
        await _connection.GetSubscriber().PublishAsync(_channel, ReplicationMessageCodec.Encode(update)).ConfigureAwait(false);
    }

    public IDisposable Subscribe(string stream, IReplicationListener listener) => _listeners.Add(stream, listener);

    public async Task<bool> ProbeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var nonce = Guid.NewGuid();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _probes[nonce] = arrived;
        try
        {
            ThrowIfDisconnected();
            await _connection.GetSubscriber()
                .PublishAsync(_channel, ReplicationMessageCodec.Encode(new BusProbe(nonce)))
                .WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            await arrived.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            _logger.LogDebug(e, "Replication bus probe did not come back");
            return false;
        }
        finally
        {
            _probes.TryRemove(nonce, out _);
        }
    }

    /// <summary>
    /// Fails at once while the multiplexer has no connection, instead of letting the message
    /// wait in its backlog until Redis is back or the command times out (5 s): a writer's
    /// announcements (and the stream_positions updates readers poll meanwhile) must not queue
    /// behind a dead server, and subscribers miss what is sent while they are cut off anyway.
    /// </summary>
    private void ThrowIfDisconnected()
    {
        if (!_connection.IsConnected)
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "The replication bus is not connected to Redis.");
    }

    private void OnMessage(ChannelMessage message)
    {
        ReplicationMessage decoded;
        var bytes = (byte[])message.Message!;
        if (ReplicationMessageCodec.PeekStream(bytes) is { } stream && _listeners.For(stream).IsEmpty)
            return;
        try
        {
            decoded = ReplicationMessageCodec.Decode(bytes.AsSpan());
        }
        catch (ReplicationFormatException e)
        {
            _logger.LogWarning(e, "Ignoring a malformed replication message");
            return;
        }
        switch (decoded)
        {
            case BusProbe probe:
                if (_probes.TryGetValue(probe.Nonce, out var waiting))
                    waiting.TrySetResult();
                break;
            case StreamUpdate update:
                foreach (var listener in _listeners.For(update.Stream))
                    Deliver(() => listener.OnUpdate(update));
                break;
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        _logger.LogWarning("Replication bus connection lost ({Type}, {Failure})", e.ConnectionType, e.FailureType);
        foreach (var listener in _listeners.All)
            Deliver(listener.OnConnectionLost);
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        _logger.LogInformation("Replication bus connection restored ({Type})", e.ConnectionType);
        foreach (var listener in _listeners.All)
            Deliver(listener.OnConnectionRestored);
    }

    // A faulty listener must not stop the others, nor the multiplexer's message pump.
    private void Deliver(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "A replication listener failed");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _connection.ConnectionFailed -= OnConnectionFailed;
        _connection.ConnectionRestored -= OnConnectionRestored;
        if (_queue is not null)
        {
            try
            {
                await _queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (RedisException e)
            {
                _logger.LogDebug(e, "Unsubscribing the replication bus failed");
            }
        }
    }
}
