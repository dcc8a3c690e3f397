using Cluster.Replication.Bus;
using Cluster.Replication.Tests.Streams.Support;

namespace Cluster.Replication.Tests.Bus;

/// <summary>The Redis bus between two connections, on a channel private to each test.</summary>
public class RedisReplicationBusTests
{
    private readonly List<IAsyncDisposable> _cleanup = [];
    private string _channel = "";

    [SetUp]
    public void NewChannel() => _channel = RedisProcess.NewChannel();

    [TearDown]
    public async Task Disconnect()
    {
        foreach (var item in _cleanup)
            await item.DisposeAsync();
        _cleanup.Clear();
    }

    private async Task<RedisProcess> ConnectAsync(string? channel = null)
    {
        var process = await RedisProcess.ConnectAsync(channel ?? _channel);
        _cleanup.Add(process);
        return process;
    }

    private static async Task<T> NextAsync<T>(List<T> items, int index)
    {
        await Eventually.HoldsAsync(() => { lock (items) return items.Count > index; }, $"item {index + 1} arrives");
        lock (items)
            return items[index];
    }

    [Test]
    public async Task AnUpdatePublishedOnOneConnectionReachesASubscriberOnAnother()
    {
        var publisher = await ConnectAsync();
        var subscriber = await ConnectAsync();
        var listener = new InProcessReplicationBusTests.CollectingListener();
        using var _ = await subscriber.Bus.SubscribeAsync("events", listener, CancellationToken.None);
        Assert.That(await subscriber.Bus.ProbeAsync(TimeSpan.FromSeconds(5), CancellationToken.None), Is.True);

        await publisher.Bus.PublishAsync(new StreamUpdate("events", 7, 3, 5, false, [new EncodedRow(5, new byte[] { 42 })]), CancellationToken.None);

        var received = await NextAsync(listener.Updates, 0);
        Assert.That((received.WriterId, received.PreviousPosition, received.Position), Is.EqualTo((7, 3L, 5L)));
        Assert.That(received.Rows.Single().Payload.ToArray(), Is.EqualTo(new byte[] { 42 }));
    }

    [Test]
    public async Task UpdatesFromOnePublisherArriveInOrder()
    {
        var publisher = await ConnectAsync();
        var subscriber = await ConnectAsync();
        var listener = new InProcessReplicationBusTests.CollectingListener();
        using var _ = await subscriber.Bus.SubscribeAsync("events", listener, CancellationToken.None);
        await subscriber.Bus.ProbeAsync(TimeSpan.FromSeconds(5), CancellationToken.None);

        var publishes = new List<Task>();
        for (var position = 1; position <= 200; position++)
            publishes.Add(publisher.Bus.PublishAsync(new StreamUpdate("events", 1, position - 1, position, false, []), CancellationToken.None));

        await Task.WhenAll(publishes);
        await NextAsync(listener.Updates, 199);
        lock (listener.Updates)
            Assert.That(listener.Updates.Select(u => u.Position), Is.EqualTo(Enumerable.Range(1, 200).Select(p => (long)p)));
    }

    [Test]
    public async Task OtherStreamsAndOtherChannelsAreNotDelivered()
    {
        var publisher = await ConnectAsync();
        var elsewhere = await ConnectAsync(RedisProcess.NewChannel());
        var subscriber = await ConnectAsync();
        var listener = new InProcessReplicationBusTests.CollectingListener();
        using var _ = await subscriber.Bus.SubscribeAsync("events", listener, CancellationToken.None);
        await subscriber.Bus.ProbeAsync(TimeSpan.FromSeconds(5), CancellationToken.None);

        await elsewhere.Bus.PublishAsync(new StreamUpdate("events", 1, 0, 1, false, []), CancellationToken.None);
        await publisher.Bus.PublishAsync(new StreamUpdate("typing", 1, 0, 1, false, []), CancellationToken.None);
        await publisher.Bus.PublishAsync(new StreamUpdate("events", 1, 1, 2, false, []), CancellationToken.None);

        var received = await NextAsync(listener.Updates, 0);
        Assert.That((received.Stream, received.Position), Is.EqualTo(("events", 2L)));
        await Task.Delay(100);
        Assert.That(listener.Updates, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task AProcessSubscribesOnlyToTheStreamsItFollows()
    {
        var subscriber = await ConnectAsync();
        using var _ = await subscriber.Bus.SubscribeAsync("caches", new InProcessReplicationBusTests.CollectingListener(), CancellationToken.None);

        var server = subscriber.Connection.GetServer(subscriber.Connection.GetEndPoints()[0]);
        var cachesSubscribers = await server.SubscriptionSubscriberCountAsync(RedisReplicationBus.StreamChannel(_channel, "caches"));
        var eventsSubscribers = await server.SubscriptionSubscriberCountAsync(RedisReplicationBus.StreamChannel(_channel, "events"));
        Assert.That((cachesSubscribers, eventsSubscribers), Is.EqualTo((1L, 0L)), "Redis sends this process the caches stream and not the events stream");
    }

    [Test]
    public async Task AMalformedMessageIsSkipped()
    {
        var raw = await ConnectAsync();
        var subscriber = await ConnectAsync();
        var listener = new InProcessReplicationBusTests.CollectingListener();
        using var _ = await subscriber.Bus.SubscribeAsync("events", listener, CancellationToken.None);
        await subscriber.Bus.ProbeAsync(TimeSpan.FromSeconds(5), CancellationToken.None);

        await raw.Connection.GetSubscriber().PublishAsync(RedisReplicationBus.StreamChannel(_channel, "events"), new byte[] { 1, 1, 0 });
        await raw.Bus.PublishAsync(new StreamUpdate("events", 1, 0, 1, false, []), CancellationToken.None);

        var received = await NextAsync(listener.Updates, 0);
        Assert.That(received.Position, Is.EqualTo(1));
    }

    [Test]
    public async Task AKilledConnectionIsReportedLostThenRestored()
    {
        var subscriber = await ConnectAsync();
        var listener = new InProcessReplicationBusTests.CollectingListener();
        using var _ = await subscriber.Bus.SubscribeAsync("events", listener, CancellationToken.None);
        await subscriber.Bus.ProbeAsync(TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.That(await RedisProcess.KillSubscriptionConnectionsAsync(_channel), Is.EqualTo(1), "our subscription was cut");

        await Eventually.HoldsAsync(() => listener.Lost > 0 && listener.Restored > 0, "the bus reports the loss and the return");
        Assert.That(await subscriber.Bus.ProbeAsync(TimeSpan.FromSeconds(5), CancellationToken.None), Is.True, "the subscription delivers again");
    }
}
