using System.Collections.Immutable;
using Cluster.Replication.Tokens;

namespace Cluster.Replication.Notifier;

/// <summary>
/// Wakes code waiting for streams to move: a /sync long-poll waiting for anything past its
/// token, a request waiting until its own write is visible. Stream followers report every
/// position they have applied; a waiter's condition is checked under the same lock that
/// records positions, right after it registers, so a wake-up cannot fall between "check" and
/// "wait".
/// </summary>
public sealed class StreamNotifier
{
    private readonly Lock _lock = new();
    private readonly List<Waiter> _waiters = [];
    private ImmutableDictionary<string, StreamPositionVector> _current = ImmutableDictionary<string, StreamPositionVector>.Empty;

    /// <summary>The latest applied positions, by stream.</summary>
    public ImmutableDictionary<string, StreamPositionVector> Current => Volatile.Read(ref _current);

    public int WaiterCount
    {
        get { lock (_lock) return _waiters.Count; }
    }

    /// <summary>
    /// Records the positions a follower has applied for <paramref name="stream"/> and wakes the
    /// waiters now satisfied. Positions only move forward: a report that does not reach the
    /// recorded one is ignored.
    /// </summary>
    public void Advance(string stream, StreamPositionVector positions)
    {
        List<Waiter>? woken = null;
        lock (_lock)
        {
            if (_current.TryGetValue(stream, out var previous) && !previous.IsBeforeOrEqual(positions))
                return;
            _current = _current.SetItem(stream, positions);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var waiter = _waiters[i];
                if (!waiter.IsSatisfiedBy(_current))
                {
                    if (waiter.Task.IsCompleted)
                        _waiters.RemoveAt(i); // its condition threw
                    continue;
                }
                _waiters.RemoveAt(i);
                (woken ??= []).Add(waiter);
            }
        }
        if (woken is null)
            return;
        foreach (var waiter in woken)
            waiter.Wake();
    }

    /// <summary>
    /// Completes once <paramref name="condition"/> holds for the recorded positions: at once if it
    /// already does. The condition runs under the notifier's lock and must be quick and pure.
    /// </summary>
    public Task WaitForAsync(
        Func<IReadOnlyDictionary<string, StreamPositionVector>, bool> condition, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return Task.FromCanceled(cancellationToken);
        var waiter = new Waiter(condition);
        lock (_lock)
        {
            if (waiter.IsSatisfiedBy(_current))
                return Task.CompletedTask;
            if (waiter.Task.IsCompleted)
                return waiter.Task; // the condition threw
            _waiters.Add(waiter);
        }
        if (cancellationToken.CanBeCanceled)
            waiter.CancelWith(cancellationToken, () => Remove(waiter));
        return waiter.Task;
    }

    /// <summary>Until every writer of <paramref name="stream"/> has reached <paramref name="target"/> (read-your-writes).</summary>
    public Task WaitUntilReachedAsync(string stream, StreamPositionVector target, CancellationToken cancellationToken) =>
        WaitForAsync(current => current.TryGetValue(stream, out var positions) && target.IsBeforeOrEqual(positions), cancellationToken);

    /// <summary>
    /// Until any of the streams in <paramref name="since"/> has a writer past it: there may be
    /// something new to send (a /sync long-poll).
    /// </summary>
    public Task WaitForAnyBeyondAsync(IReadOnlyDictionary<string, StreamPositionVector> since, CancellationToken cancellationToken) =>
        WaitForAsync(current =>
        {
            foreach (var (stream, token) in since)
                if (current.TryGetValue(stream, out var positions) && !positions.IsBeforeOrEqual(token))
                    return true;
            return false;
        }, cancellationToken);

    private void Remove(Waiter waiter)
    {
        lock (_lock)
            _waiters.Remove(waiter);
    }

    private sealed class Waiter(Func<IReadOnlyDictionary<string, StreamPositionVector>, bool> condition)
    {
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Task => _completion.Task;

        public bool IsSatisfiedBy(IReadOnlyDictionary<string, StreamPositionVector> current)
        {
            try
            {
                return condition(current);
            }
            catch (Exception e)
            {
                // A broken condition fails its own waiter, never the follower that reported.
                _completion.TrySetException(e);
                return false;
            }
        }

        public void Wake() => _completion.TrySetResult();

        public void CancelWith(CancellationToken cancellationToken, Action remove)
        {
            var registration = cancellationToken.Register(() =>
            {
                if (_completion.TrySetCanceled(cancellationToken))
                    remove();
            });
            _ = _completion.Task.ContinueWith(
                _ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
