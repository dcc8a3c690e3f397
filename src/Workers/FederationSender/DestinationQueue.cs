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
    private int _failures;
    private DateTimeOffset? _retryAt;

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
        _retryAt = retryAt;
    }

    public string Destination { get; }

    /// <summary>More PDUs are in the outbox (or may be): the loop looks once it is free.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

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
            _retryAt = _clock.GetUtcNow() + delay;
            _logger.LogError(e, "Sending to {Destination} failed unexpectedly; next attempt in {Delay}", Destination, delay);
            return true;
        }
    }

    /// <summary>Waits out any back-off, then sends the next transaction; false when the outbox is empty.</summary>
    private async Task<bool> SendNextAsync(CancellationToken stopping)
    {
        if (_retryAt is { } retryAt && retryAt > _clock.GetUtcNow())
            await Task.Delay(retryAt - _clock.GetUtcNow(), _clock, stopping);
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
        var outcome = transaction.Pdus.Count == 0 ? TransactionOutcome.Delivered : await _sender.SendAsync(transaction, stopping);
        FederationSenderMetrics.Record(outcome, transaction.Pdus.Count);
        await RecordAsync(transaction, outcome, stopping);
        return true;
    }

    private async Task<OutboundTransaction?> NextTransactionAsync(CancellationToken cancellationToken)
    {
        var pending = await _outbox.NextTransactionAsync(Destination, FederationSenderOptions.MaxPdusPerTransaction, _clock.GetUtcNow(), cancellationToken);
        if (pending is null)
            return null;
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
        return new OutboundTransaction(Destination, pending.TxnId, pdus);
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
                    _retryAt = _clock.GetUtcNow() + delay;
                    _logger.LogInformation("{Destination} failed {Failures} time(s) in a row; next attempt in {Delay}",
                        Destination, _failures, delay);
                    await _outbox.RecordFailureAsync(Destination, _failures, _retryAt.Value, stopping);
                }
                else
                {
                    if (_failures > 0)
                        _logger.LogInformation("{Destination} is reachable again after {Failures} failure(s)", Destination, _failures);
                    _failures = 0;
                    _retryAt = null;
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
