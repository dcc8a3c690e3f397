namespace Cluster.Replication.Bus;

/// <summary>
/// Carries stream updates between processes (Redis pub/sub) or within one (in-process).
/// Delivery is best effort: a subscriber may miss messages across a disconnect, and learns of
/// it through <see cref="IReplicationListener.OnConnectionLost"/> and
/// <see cref="IReplicationListener.OnConnectionRestored"/>. PostgreSQL stays the source of truth.
/// </summary>
public interface IReplicationBus : IAsyncDisposable
{
    /// <summary>Sends an update to every subscriber of its stream, in every process.</summary>
    Task PublishAsync(StreamUpdate update, CancellationToken cancellationToken);

    /// <summary>
    /// Delivers the stream's updates to <paramref name="listener"/>, in the order the bus
    /// received them, until the returned handle is disposed. Once the task completes, updates
    /// published afterwards reach the listener (while the bus is connected).
    /// </summary>
    Task<IDisposable> SubscribeAsync(string stream, IReplicationListener listener, CancellationToken cancellationToken);

    /// <summary>
    /// Sends a message to ourselves and waits for it to come back through our subscription:
    /// true proves that anything published from now on reaches us.
    /// </summary>
    Task<bool> ProbeAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>Receives a bus subscription's traffic. Calls must return quickly (queue the work).</summary>
public interface IReplicationListener
{
    void OnUpdate(StreamUpdate update);

    /// <summary>Messages may have been, or are being, lost.</summary>
    void OnConnectionLost();

    /// <summary>The connection is back; messages sent while it was down are gone.</summary>
    void OnConnectionRestored();
}
