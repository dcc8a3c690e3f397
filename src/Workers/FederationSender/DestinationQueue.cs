using System.Threading.Channels;
using Cluster.Shared.Storage.Events;
using Npgsql;

namespace Cluster.Workers.FederationSender;

/// <summary>
/// One destination's sending loop: drains its outbox one transaction at a time, in order, and
/// backs off while the destination fails. Each destination has its own loop, so a slow or dead
/// one never holds up another. The loop sleeps while the outbox is empty and is woken by
/// <see cref="Wake"/> when the sender enqueues more; while backing off, new PDUs wait in the
/// outbox (persisted) until the retry time.
/// Durable EDUs (to-device messages, migration 0010) wait in the outbox like PDUs and go with
/// them. Other EDUs (<see cref="Offer"/>) are ephemeral and kept in memory only: they ride with the next
/// new transaction of PDUs, or go in a transaction of their own when there are none. While the
/// destination backs off they are dropped, and a failed attempt's EDUs are not sent again:
/// typing and receipts that late would be stale, and the next ones supersede them.
/// </summary>
public sealed class DestinationQueue
{
    private static readonly TimeSpan StorageRetryDelay = TimeSpan.FromSeconds(1);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly OutboxStore _outbox;
    private readonly EventStore _events;
    private readonly TransactionSender _sender;
    private readonly RetryBackoff _backoff;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Queue<OutboundEdu> _edus = new();
    private int _failures;
    private DateTimeOffset? _retryAt;

    // Set by EndBackoff from another thread; the loop acts on it. _backoffWait: the wait it cancels.
    private int _backoffEnded;
    private CancellationTokenSource? _backoffWait;

    // When the last attempt failed, in ticks, while backing off (0 otherwise); read by the sender's watch.
    private long _failedAtTicks;

    // _retryAt for Offer, which runs on the EDU feed's thread: ticks, 0 when not backing off.
    private long _backingOffUntilTicks;

    public DestinationQueue(
        string destination, OutboxStore outbox, EventStore events, TransactionSender sender, RetryBackoff backoff,
        TimeProvider clock, ILogger logger, int failures = 0, DateTimeOffset? retryAt = null)
    {
        Destination = destination;
        _outbox = outbox;
        _events = events;
        _sender = sender;
        _backoff = backoff;
        _clock = clock;
        _logger = logger;
        _failures = failures;
        SetRetryAt(retryAt);
    }

    public string Destination { get; }

    /// <summary>More PDUs are in the outbox (or may be): the loop looks once it is free.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>When the last attempt failed, while this destination is backed off from; null otherwise.</summary>
    public DateTimeOffset? BackingOffSince =>
        Volatile.Read(ref _failedAtTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>
    /// The destination proved it is up (it talked to us): end the back-off and try it now, from a
    /// clean failure count, as if it had never failed.
    /// </summary>
    public void EndBackoff()
    {
        Volatile.Write(ref _backoffEnded, 1);
        try
        {
            Volatile.Read(ref _backoffWait)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The wait ended meanwhile; the loop sees the flag before its next attempt.
        }
        Wake();
    }

    /// <summary>EDUs for this destination, sent soon; dropped while it backs off.</summary>
    public void Offer(IReadOnlyList<OutboundEdu> edus)
    {
        if (Volatile.Read(ref _backingOffUntilTicks) > _clock.GetUtcNow().UtcTicks)
            return;
        lock (_edus)
        {
            foreach (var edu in edus)
                _edus.Enqueue(edu);
            while (_edus.Count > FederationSenderOptions.MaxWaitingEdus)
                _edus.Dequeue();
        }
        Wake();
    }

    private bool HasEdus
    {
        get { lock (_edus) return _edus.Count > 0; }
    }

    private List<OutboundEdu> TakeEdus(int max = FederationSenderOptions.MaxEdusPerTransaction)
    {
        lock (_edus)
        {
            var taken = new List<OutboundEdu>(Math.Clamp(_edus.Count, 0, max));
            while (taken.Count < max && _edus.TryDequeue(out var edu))
                taken.Add(edu);
            return taken;
        }
    }

    private void DropEdus()
    {
        lock (_edus)
            _edus.Clear();
    }

    private void SetRetryAt(DateTimeOffset? retryAt)
    {
        _retryAt = retryAt;
        Volatile.Write(ref _backingOffUntilTicks, retryAt?.UtcTicks ?? 0);
        Volatile.Write(ref _failedAtTicks, retryAt is null ? 0 : _clock.GetUtcNow().UtcTicks);
    }

    private void ApplyEndedBackoff()
    {
        if (Interlocked.Exchange(ref _backoffEnded, 0) == 0 || _retryAt is null)
            return;
        _logger.LogInformation("{Destination} talked to us: it is up, so the back-off after {Failures} failure(s) ends", Destination, _failures);
        _failures = 0;
        SetRetryAt(null);
    }

    private async Task WaitOutBackoffAsync(DateTimeOffset retryAt, CancellationToken stopping)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        Volatile.Write(ref _backoffWait, wait);
        try
        {
            // EndBackoff sets the flag before it cancels: either it sees this wait or this sees the flag.
            if (Volatile.Read(ref _backoffEnded) == 0)
                await Task.Delay(retryAt - _clock.GetUtcNow(), _clock, wait.Token);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref _backoffWait, null);
        }
    }

    /// <summary>Runs until <paramref name="stopping"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        Wake();
        try
        {
            while (true)
            {
                await _wake.Reader.ReadAsync(stopping);
                while (await SendNextOrBackOffAsync(stopping))
                {
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> SendNextOrBackOffAsync(CancellationToken stopping)
    {
        try
        {
            return await SendNextAsync(stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // A fault of ours (an unreadable stored event, say): the loop must live on for the
            // PDUs behind it, but not spin on the fault.
            _failures++;
            var delay = _backoff.DelayAfter(_failures);
            SetRetryAt(_clock.GetUtcNow() + delay);
            DropEdus();
            _logger.LogError(e, "Sending to {Destination} failed unexpectedly; next attempt in {Delay}", Destination, delay);
            return true;
        }
    }

    /// <summary>Waits out any back-off, then sends the next transaction; false when the outbox is empty.</summary>
    private async Task<bool> SendNextAsync(CancellationToken stopping)
    {
        ApplyEndedBackoff();
        if (_retryAt is { } retryAt && retryAt > _clock.GetUtcNow())
        {
            // Offered as the attempt failed, they slipped past Offer's check; stale after the wait.
            DropEdus();
            await WaitOutBackoffAsync(retryAt, stopping);
            ApplyEndedBackoff();
        }
        OutboundTransaction? transaction;
        try
        {
            transaction = await NextTransactionAsync(stopping);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            _logger.LogWarning(e, "Reading the outbox of {Destination} failed; will retry", Destination);
            await Task.Delay(StorageRetryDelay, _clock, stopping);
            return true;
        }
        if (transaction is null)
            return false;

        // A transaction cut short by shutdown stays stamped in the outbox and goes again, under
        // the same ID, when the sender is back.
        var outcome = transaction.IsEmpty ? TransactionOutcome.Delivered : await _sender.SendAsync(transaction, stopping);
        FederationSenderMetrics.Record(outcome, transaction.Pdus.Count, transaction.Edus.Count);
        await RecordAsync(transaction, outcome, stopping);
        return true;
    }

    private async Task<OutboundTransaction?> NextTransactionAsync(CancellationToken cancellationToken)
    {
        var pending = await _outbox.NextTransactionAsync(Destination, FederationSenderOptions.MaxPdusPerTransaction,
            FederationSenderOptions.MaxEdusPerTransaction, _clock.GetUtcNow(), cancellationToken);
        if (pending is null)
        {
            if (!HasEdus)
                return null;
            var txnId = await _outbox.NewEduTxnIdAsync(Destination, _clock.GetUtcNow(), cancellationToken);
            return new OutboundTransaction(Destination, txnId, [], TakeEdus());
        }
        var stored = await _events.GetEventsAsync(pending.EventIds, cancellationToken);
        var pdus = new List<OutboundPdu>(pending.EventIds.Count);
        foreach (var eventId in pending.EventIds)
        {
            if (stored.TryGetValue(eventId, out var e))
                pdus.Add(new OutboundPdu(eventId, e.Json));
            else
                _logger.LogWarning("{EventId} for {Destination} is no longer stored; leaving it out of transaction {TxnId}",
                    eventId, Destination, pending.TxnId);
        }
        // A transaction sent before goes again as it was: the destination may have it already
        // and would then ignore anything added to it.
        return new OutboundTransaction(Destination, pending.TxnId, pdus,
            pending.IsRetry ? pending.Edus : [.. pending.Edus, .. TakeEdus(FederationSenderOptions.MaxEdusPerTransaction - pending.Edus.Count)]);
    }

    private async Task RecordAsync(OutboundTransaction transaction, TransactionOutcome outcome, CancellationToken stopping)
    {
        while (true)
        {
            try
            {
                if (outcome == TransactionOutcome.Failed)
                {
                    _failures++;
                    var delay = _backoff.DelayAfter(_failures);
                    var retryAt = _clock.GetUtcNow() + delay;
                    SetRetryAt(retryAt);
                    DropEdus();
                    _logger.LogInformation("{Destination} failed {Failures} time(s) in a row; next attempt in {Delay}",
                        Destination, _failures, delay);
                    await _outbox.RecordFailureAsync(Destination, _failures, retryAt, stopping);
                }
                else
                {
                    if (_failures > 0)
                        _logger.LogInformation("{Destination} is reachable again after {Failures} failure(s)", Destination, _failures);
                    _failures = 0;
                    SetRetryAt(null);
                    await _outbox.CompleteAsync(Destination, transaction.TxnId, stopping);
                }
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // Not recording a delivery would only send the transaction again under its ID,
                // which the destination ignores; keep trying rather than lose the back-off.
                _logger.LogWarning(e, "Recording transaction {TxnId} to {Destination} failed; will retry", transaction.TxnId, Destination);
                if (outcome == TransactionOutcome.Failed)
                    _failures--;
                await Task.Delay(StorageRetryDelay, _clock, stopping);
            }
        }
    }
}
