namespace Cluster.Replication.Bus;

/// <summary>
/// The bus for single-process mode: publishing hands the update to every subscriber at once,
/// in one global order. It never loses a message, so it never reports a lost connection.
/// </summary>
public sealed class InProcessReplicationBus : IReplicationBus
{
    private readonly ListenerRegistry _listeners = new();
    // One lock makes every subscriber see every publisher's updates in the same order.
    private readonly Lock _order = new();

    public Task PublishAsync(StreamUpdate update, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_order)
        {
            foreach (var listener in _listeners.For(update.Stream))
                listener.OnUpdate(update);
        }
        return Task.CompletedTask;
    }

    public Task<IDisposable> SubscribeAsync(string stream, IReplicationListener listener, CancellationToken cancellationToken) =>
        Task.FromResult(_listeners.Add(stream, listener));

    public Task<bool> ProbeAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(true);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
