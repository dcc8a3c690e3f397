using Cluster.Replication.Bus;

namespace Cluster.Replication.Tests.Streams.Support;

/// <summary>
/// The in-process bus with faults injected: each update is delivered as many times as
/// <see cref="Copies"/> says (0 drops it, 2 duplicates it), and probes succeed only while
/// <see cref="ProbesSucceed"/>.
/// </summary>
public sealed class UnreliableBus : IReplicationBus
{
    private readonly InProcessReplicationBus _inner = new();

    public Func<StreamUpdate, int> Copies { get; set; } = _ => 1;
    public bool ProbesSucceed { get; set; } = true;
    public int Dropped { get; private set; }

    public async Task PublishAsync(StreamUpdate update, CancellationToken cancellationToken)
    {
        var copies = Copies(update);
        if (copies == 0)
            Dropped++;
        for (var i = 0; i < copies; i++)
            await _inner.PublishAsync(update, cancellationToken);
    }

    public Task<IDisposable> SubscribeAsync(string stream, IReplicationListener listener, CancellationToken cancellationToken) =>
            _inner.SubscribeAsync(stream, listener, cancellationToken);

    public Task<bool> ProbeAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(ProbesSucceed);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
