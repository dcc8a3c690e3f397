using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Cluster.Replication.Bus;

/// <summary>
/// The bus over Redis pub/sub: a channel per stream (<c>{channel}.{stream}</c>), so a process
/// receives only the streams it follows, and the cluster channel itself for probes. Each
/// stream's messages arrive through one ordered queue, so a subscriber sees them in the order
/// Redis received them. Redis forgets messages sent while a subscriber is disconnected; the
/// multiplexer's connection events tell subscribers so they can catch up from PostgreSQL.
/// </summary>
/// <remarks>
/// One channel for every stream made each process wake for every update of every stream: Main,
/// which follows only the cache invalidations, spent about 0.2 ms of CPU per update it dropped,
/// most of its CPU under load (BENCHMARKS.md, Main's share).
/// </remarks>
public sealed class RedisReplicationBus : IReplicationBus
{
    public const string DefaultChannel = "cluster.replication";

    private readonly IConnectionMultiplexer _connection;
    private readonly string _channelName;
    private readonly RedisChannel _channel;
    private readonly ILogger _logger;
    private readonly ListenerRegistry _listeners = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _probes = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<ChannelMessageQueue>>> _streamQueues = new(StringComparer.Ordinal);
    private ChannelMessageQueue? _probeQueue;

    private RedisReplicationBus(IConnectionMultiplexer connection, string channel, ILogger logger)
    {
        _connection = connection;
        _channelName = channel;
        _channel = RedisChannel.Literal(channel);
        _logger = logger;
    }

    /// <summary>The Redis channel that carries <paramref name="stream"/>'s updates.</summary>
    public static RedisChannel StreamChannel(string channel, string stream) => RedisChannel.Literal($"{channel}.{stream}");

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

    /// <summary>Subscribes to the cluster channel (probes); the multiplexer stays the caller's.</summary>
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
        _probeQueue = queue;
        queue.OnMessage(OnMessage);
        return this;
    }

    public async Task PublishAsync(StreamUpdate update, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisconnected();
        await _connection.GetSubscriber()
            .PublishAsync(StreamChannel(_channelName, update.Stream), ReplicationMessageCodec.Encode(update)).ConfigureAwait(false);
    }

    public async Task<IDisposable> SubscribeAsync(string stream, IReplicationListener listener, CancellationToken cancellationToken)
    {
        var registration = _listeners.Add(stream, listener);
        // The stream's channel is subscribed once, by its first listener, and kept: a process
        // follows a handful of streams for its whole life.
        var subscribing = _streamQueues.GetOrAdd(stream, s => new Lazy<Task<ChannelMessageQueue>>(() => SubscribeStreamAsync(s)));
        try
        {
            await subscribing.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            return registration;
        }
        catch
        {
            registration.Dispose();
            // A failed subscription is forgotten, so the next listener tries again.
            if (subscribing.Value.IsFaulted)
                _streamQueues.TryRemove(KeyValuePair.Create(stream, subscribing));
            throw;
        }
    }

    private async Task<ChannelMessageQueue> SubscribeStreamAsync(string stream)
    {
        var subscriber = _connection.GetSubscriber();
        var channel = StreamChannel(_channelName, stream);
        // Connected: wait for Redis to confirm, so nothing published after this returns is missed.
        // Not connected: register without waiting; the multiplexer subscribes once it connects, and
        // the listener hears of the outage through the connection events meanwhile.
        var queue = _connection.IsConnected
            ? await subscriber.SubscribeAsync(channel).ConfigureAwait(false)
            : subscriber.Subscribe(channel, CommandFlags.FireAndForget);
        queue.OnMessage(OnMessage);
        return queue;
    }

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
        var queues = new List<ChannelMessageQueue>();
        if (_probeQueue is not null)
            queues.Add(_probeQueue);
        foreach (var lazy in _streamQueues.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
                queues.Add(await lazy.Value.ConfigureAwait(false));
        }
        foreach (var queue in queues)
        {
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (RedisException e)
            {
                _logger.LogDebug(e, "Unsubscribing the replication bus failed");
            }
        }
    }
}
