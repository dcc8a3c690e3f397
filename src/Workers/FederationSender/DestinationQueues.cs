using System.Collections.Concurrent;
using Cluster.Shared.Storage.Events;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationSender;

/// <summary>
/// The sending loops of this process, one per destination that has had anything to send since
/// the process started (or had a backlog then). Loops are started on first use and live until the
/// process stops; an idle one costs a waiting task.
/// </summary>
public sealed class DestinationQueues(
    OutboxStore outbox, EventStore events, TransactionSender sender, IOptions<FederationSenderOptions> options,
    TimeProvider clock, ILoggerFactory loggers) : IAsyncDisposable
{
    // Guarded by itself: a destination must never get two loops (two transactions in flight).
    private readonly Dictionary<string, DestinationQueue> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _loops = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly RetryBackoff _backoff = new(options.Value.MinBackoff, options.Value.MaxBackoff);
    private readonly ILogger _logger = loggers.CreateLogger<DestinationQueue>();

    /// <summary>Starts the loops of destinations with PDUs left in the outbox, keeping to their stored back-off.</summary>
    public void Resume(IEnumerable<DestinationBacklog> backlogs)
    {
        lock (_queues)
            foreach (var backlog in backlogs)
                if (!_queues.ContainsKey(backlog.Destination))
                    _queues[backlog.Destination] = Start(backlog.Destination, backlog.Failures, backlog.RetryAt);
    }

    /// <summary>The outbox of <paramref name="destination"/> got PDUs.</summary>
    public void Wake(string destination)
    {
        DestinationQueue? queue;
        lock (_queues)
            if (!_queues.TryGetValue(destination, out queue))
                _queues[destination] = queue = Start(destination, 0, null);
        queue.Wake();
    }

    /// <summary>The destinations backed off from now, each with the time of its last failed attempt.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> BackingOff()
    {
        lock (_queues)
            return _queues.Values.Where(q => q.BackingOffSince is not null)
                .ToDictionary(q => q.Destination, q => q.BackingOffSince!.Value, StringComparer.Ordinal);
    }

    /// <summary><paramref name="destination"/> is up: retry it now (<see cref="DestinationQueue.EndBackoff"/>).</summary>
    public void EndBackoff(string destination)
    {
        DestinationQueue? queue;
        lock (_queues)
            _queues.TryGetValue(destination, out queue);
        queue?.EndBackoff();
    }

    /// <summary>EDUs for <paramref name="destination"/>: ephemeral, see <see cref="DestinationQueue.Offer"/>.</summary>
    public void Offer(string destination, IReadOnlyList<OutboundEdu> edus)
    {
        DestinationQueue? queue;
        lock (_queues)
            if (!_queues.TryGetValue(destination, out queue))
                _queues[destination] = queue = Start(destination, 0, null);
        queue.Offer(edus);
    }

    private DestinationQueue Start(string destination, int failures, DateTimeOffset? retryAt)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        var queue = new DestinationQueue(destination, outbox, events, sender, _backoff, clock, _logger, failures, retryAt);
        _loops.Add(Task.Run(() => queue.RunAsync(_stopping.Token)));
        return queue;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
            return;
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops);
        _stopping.Dispose();
    }
}
