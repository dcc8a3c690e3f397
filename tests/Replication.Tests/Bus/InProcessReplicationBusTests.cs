using Cluster.Replication.Bus;

namespace Cluster.Replication.Tests.Bus;

public class InProcessReplicationBusTests
{
    internal sealed class CollectingListener : IReplicationListener
    {
        public List<StreamUpdate> Updates { get; } = [];
        public int Lost { get; private set; }
        public int Restored { get; private set; }

        public void OnUpdate(StreamUpdate update)
        {
            lock (Updates)
                Updates.Add(update);
        }

        public void OnConnectionLost() => Lost++;
        public void OnConnectionRestored() => Restored++;
    }

    private static StreamUpdate Update(string stream, long position) => new(stream, 1, position - 1, position, false, []);

    [Test]
    public async Task SubscribersReceiveTheirStreamsUpdatesInPublishOrder()
    {
        await using var bus = new InProcessReplicationBus();
        var listener = new CollectingListener();
        using var _ = await bus.SubscribeAsync("events", listener, CancellationToken.None);

        await bus.PublishAsync(Update("events", 1), CancellationToken.None);
        await bus.PublishAsync(Update("typing", 1), CancellationToken.None);
        await bus.PublishAsync(Update("events", 2), CancellationToken.None);

        Assert.That(listener.Updates.Select(u => (u.Stream, u.Position)), Is.EqualTo(new[] { ("events", 1L), ("events", 2L) }));
    }

    [Test]
    public async Task AnUnsubscribedListenerReceivesNothingMore()
    {
        await using var bus = new InProcessReplicationBus();
        var listener = new CollectingListener();
        var subscription = await bus.SubscribeAsync("events", listener, CancellationToken.None);
        await bus.PublishAsync(Update("events", 1), CancellationToken.None);

        subscription.Dispose();
        await bus.PublishAsync(Update("events", 2), CancellationToken.None);

        Assert.That(listener.Updates, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task AProbeAlwaysComesBack()
    {
        await using var bus = new InProcessReplicationBus();

        Assert.That(await bus.ProbeAsync(TimeSpan.FromSeconds(1), CancellationToken.None), Is.True);
    }
}
