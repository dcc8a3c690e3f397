using System.Threading.Channels;
using Cluster.Replication.Bus;
using Cluster.Replication.Notifier;
using Cluster.Replication.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Cluster.Replication.Streams;

/// <summary>Receives a follower's batches, in order per writer, each row exactly once.</summary>
public interface IStreamConsumer<TRow>
{
    ValueTask ApplyAsync(StreamBatch<TRow> batch, CancellationToken cancellationToken);
}

public sealed class StreamFollowerOptions
{
    /// <summary>
    /// Where to start: rows beyond these positions are delivered. Null starts from the positions
    /// persisted when the follower starts, with no history.
    /// </summary>
    public StreamPositionVector? StartFrom { get; init; }

    /// <summary>How long to wait for a probe to come back through the bus.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>While the bus is not proven live, how often to poll PostgreSQL instead.</summary>
    public TimeSpan ResyncRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A safety net: catch up from PostgreSQL this often even when nothing looks wrong.</summary>
    public TimeSpan PeriodicResyncInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Rows read per query when catching up.</summary>
    public int CatchUpPageSize { get; init; } = 1000;
}

/// <summary>Counters, for tests and metrics.</summary>
public sealed class FollowerStatistics
{
    internal long ResyncCount;
    internal long GapCount;
    internal long LiveRowCount;
    internal long DatabaseRowCount;
    internal long DuplicateCount;

    /// <summary>Catch-ups from PostgreSQL of every writer (start, reconnect, retry, periodic).</summary>
    public long Resyncs => Interlocked.Read(ref ResyncCount);

    /// <summary>Updates whose previous position was past what we knew (or that omitted rows).</summary>
    public long Gaps => Interlocked.Read(ref GapCount);

    public long LiveRows => Interlocked.Read(ref LiveRowCount);
    public long DatabaseRows => Interlocked.Read(ref DatabaseRowCount);
    public long Duplicates => Interlocked.Read(ref DuplicateCount);
}

/// <summary>
/// Follows one stream: applies each writer's announced rows as they arrive over the bus, and
/// falls back on PostgreSQL whenever the bus cannot be trusted, so that no row is skipped or
/// repeated. Per writer it knows the last position it has applied; rows beyond it are never
/// handed to consumers before their position is.
/// </summary>
/// <remarks>
/// The bus is untrusted from start and from any lost connection. Then the follower proves the
/// subscription delivers (a probe through the bus), reads every writer's persisted position
/// from stream_positions, reads the rows up to it, and only then applies the live updates that
/// arrived meanwhile, dropping what it already has. A writer unknown so far starts at the
/// follower's floor. Probes run beside the processing loop, never in it: while Redis is down a
/// probe takes its whole timeout, and the database polling must not wait for it (a follower
/// that did fell seconds behind during a Redis restart, and /sync answered with limited
/// timelines).
/// </remarks>
public sealed class StreamFollower<TRow> : IAsyncDisposable
{
    private const int MaxHeldBack = 10_000;

    private readonly StreamDefinition<TRow> _definition;
    private readonly IReplicationBus _bus;
    private readonly StreamFollowerOptions _options;
    private readonly ILogger _logger;
    private readonly List<IStreamConsumer<TRow>> _consumers = [];
    private readonly Channel<Input> _inputs = Channel.CreateUnbounded<Input>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();

    // Owned by the processing loop (and by StartAsync before the loop runs).
    private readonly Dictionary<int, long> _known = [];
    private readonly List<StreamUpdate> _heldBack = [];
    private long _floor;
    private bool _listedAll;
    private volatile bool _trusted;
    private DateTime _lastResync;

    private volatile StreamPositionVector _positions = StreamPositionVector.Zero;
    private volatile bool _wantsResync;
    private int _resyncQueued;

    // Connection losses seen by the loop, and the count at which the newest successful probe
    // started: the bus is proven for the current connection when they are equal.
    private int _losses;
    private int _provenAt = -1;
    private int _probing;
    private IDisposable? _subscription;
    private Task _loop = Task.CompletedTask;
    private Task _ticker = Task.CompletedTask;

    public StreamFollower(
        StreamDefinition<TRow> definition, NpgsqlDataSource dataSource, IReplicationBus bus,
        StreamFollowerOptions? options = null, StreamNotifier? notifier = null, ILogger? logger = null)
    {
        _definition = definition;
        _bus = bus;
        _options = options ?? new StreamFollowerOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.CatchUpPageSize);
        Notifier = notifier ?? new StreamNotifier();
        _logger = logger ?? NullLogger.Instance;
        Store = new StreamStore<TRow>(definition, dataSource);
    }

    public string Stream => _definition.Name;
    public StreamStore<TRow> Store { get; }
    public StreamNotifier Notifier { get; }
    public FollowerStatistics Statistics { get; } = new();

    /// <summary>What this follower has applied: per writer, every row at or below is delivered.</summary>
    public StreamPositionVector Positions => _positions;

    /// <summary>
    /// Whether live updates are being applied as they arrive; false from a lost connection until a
    /// catch-up from PostgreSQL has finished with the bus proven to deliver again.
    /// </summary>
    public bool IsFollowingLive => _trusted;

    /// <summary>Adds a consumer; only before <see cref="StartAsync"/>.</summary>
    public void AddConsumer(IStreamConsumer<TRow> consumer)
    {
        if (_subscription is not null)
            throw new InvalidOperationException("Consumers are added before the follower starts.");
        _consumers.Add(consumer);
    }

    public void AddConsumer(Func<StreamBatch<TRow>, ValueTask> apply) => AddConsumer(new DelegateStreamConsumer<TRow>(apply));

    /// <summary>
    /// Brings this follower up to <paramref name="target"/> (a token another process handed out)
    /// from PostgreSQL at once rather than waiting for the bus, as far as the database says the
    /// writers have persisted. Anything beyond that (an announcement still in flight, or a forged
    /// token) is left to the bus: rows are never assumed to exist because a token says so.
    /// </summary>
    public async Task CatchUpToAsync(StreamPositionVector target, CancellationToken cancellationToken)
    {
        if (target.IsBeforeOrEqual(_positions))
            return;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inputs.Writer.TryWrite(new CatchUpInput(target, done)))
            throw new ObjectDisposedException(nameof(StreamFollower<TRow>));
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Subscribes, catches up from PostgreSQL, then follows the bus in the background.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_subscription is not null)
            throw new InvalidOperationException("The follower is already started.");
        // Subscribe before reading anything, so nothing announced after our read is missed.
        _subscription = await _bus.SubscribeAsync(_definition.Name, new Listener(this), cancellationToken).ConfigureAwait(false);
        if (_options.StartFrom is { } start)
        {
            foreach (var entry in start.WritersAhead)
                _known[entry.WriterId] = entry.Position;
            _floor = start.Minimum;
        }
        else
        {
            // No history: whatever is persisted now counts as already seen.
            var live = await _bus.ProbeAsync(_options.ProbeTimeout, cancellationToken).ConfigureAwait(false);
            var persisted = await Store.ReadPersistedPositionsAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (writer, position) in persisted)
                _known[writer] = position;
            _floor = persisted.Count == 0 ? 0 : persisted.Values.Min();
            _listedAll = true;
            _trusted = live;
            if (live)
                _provenAt = 0;
            else
                _wantsResync = true;
            _lastResync = DateTime.UtcNow;
        }
        PublishPositions();
        if (!_trusted)
            await ResyncAsync(cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(ProcessAsync, CancellationToken.None);
        _ticker = Task.Run(TickAsync, CancellationToken.None);
    }

    private async Task ProcessAsync()
    {
        var stopping = _stopping.Token;
        try
        {
            await foreach (var input in _inputs.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    switch (input)
                    {
                        case UpdateInput { Update: var update }:
                            if (_trusted)
                                await HandleAsync(update, stopping).ConfigureAwait(false);
                            else if (_heldBack.Count < MaxHeldBack)
                                _heldBack.Add(update);
                            else
                                // Safe to forget: each was persisted before it was sent, so the next resync covers it.
                                _heldBack.Clear();
                            break;
                        case LostInput:
                            _losses++;
                            _trusted = false;
                            _wantsResync = true;
                            break;
                        case ResyncInput:
                            Volatile.Write(ref _resyncQueued, 0);
                            await ResyncAsync(stopping).ConfigureAwait(false);
                            break;
                        case CatchUpInput catchUp:
                            try
                            {
                                await CatchUpToPersistedAsync(catchUp.Target, stopping).ConfigureAwait(false);
                                catchUp.Done.TrySetResult();
                            }
                            catch (Exception e)
                            {
                                catchUp.Done.TrySetException(e);
                                throw;
                            }
                            break;
                    }
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // PostgreSQL failed us mid catch-up: stop trusting the bus until a resync succeeds.
                    _logger.LogWarning(e, "Following {Stream} failed; will catch up from the database", Stream);
                    _trusted = false;
                    _wantsResync = true;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task HandleAsync(StreamUpdate update, CancellationToken cancellationToken)
    {
        var writer = update.WriterId;
        var known = Known(writer);
        if (update.Position <= known)
        {
            Interlocked.Increment(ref Statistics.DuplicateCount);
            // A new writer's registration: from now on it holds the minimum where it stands.
            if (_known.TryAdd(writer, known))
                PublishPositions();
            return;
        }
        if (update.PreviousPosition > known || update.RowsOmitted)
        {
            Interlocked.Increment(ref Statistics.GapCount);
            await CatchUpAsync(writer, update.Position, cancellationToken).ConfigureAwait(false);
            return;
        }
        var rows = new List<StreamRow<TRow>>(update.Rows.Count);
        try
        {
            foreach (var row in update.Rows)
                if (row.Position > known)
                    rows.Add(new StreamRow<TRow>(row.Position, writer, _definition.Decode(row.Payload.Span)));
        }
        catch (ReplicationFormatException e)
        {
            _logger.LogWarning(e, "Unreadable {Stream} row from writer {Writer}; reading the database instead", Stream, writer);
            Interlocked.Increment(ref Statistics.GapCount);
            await CatchUpAsync(writer, update.Position, cancellationToken).ConfigureAwait(false);
            return;
        }
        Interlocked.Add(ref Statistics.LiveRowCount, rows.Count);
        await ApplyAsync(new StreamBatch<TRow>(Stream, writer, known, update.Position, rows) { Traces = update.Traces }, cancellationToken)
            .ConfigureAwait(false);
        if (update.SentAt is { } sentAt)
            ReplicationTelemetry.RecordLag(Stream, writer, sentAt);
    }

    /// <summary>
    /// Brings every writer up to its persisted position; then, if a probe proved the bus before
    /// that read, trusts it and replays what was held back. Starts a probe for the next time.
    /// </summary>
    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Statistics.ResyncCount);
        _wantsResync = false;
        // Read before the positions: what the bus delivered from the proof on is held back.
        var live = Volatile.Read(ref _provenAt) == _losses;
        StartProbe();
        var persisted = await Store.ReadPersistedPositionsAsync(cancellationToken).ConfigureAwait(false);
        // Every writer is listed before any is caught up, so the minimum we publish meanwhile
        // never leaves out one we have not read yet.
        foreach (var writer in persisted.Keys)
            _known.TryAdd(writer, Known(writer));
        _listedAll = true;
        foreach (var (writer, position) in persisted)
            if (position > Known(writer))
                await CatchUpAsync(writer, position, cancellationToken).ConfigureAwait(false);
        PublishPositions();
        _lastResync = DateTime.UtcNow;
        if (!live)
        {
            // Keep polling the database until a probe proves the bus again.
            _trusted = false;
            _wantsResync = true;
            return;
        }
        _trusted = true;
        var heldBack = _heldBack.ToArray();
        _heldBack.Clear();
        foreach (var update in heldBack)
            await HandleAsync(update, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Probes the bus in the background (one probe at a time). A probe that comes back proves the
    /// connection the loop knew of when it started, and asks for a resync if the bus is not yet
    /// trusted; one that does not come back while trusted counts as a lost connection.
    /// </summary>
    private void StartProbe()
    {
        if (Interlocked.Exchange(ref _probing, 1) != 0)
            return;
        var losses = _losses;
        var stopping = _stopping.Token;
        _ = Task.Run(async () =>
        {
            bool live;
            try
            {
                live = await _bus.ProbeAsync(_options.ProbeTimeout, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Probing the bus for {Stream} failed", Stream);
                live = false;
            }
            finally
            {
                // Before acting on the result, so the resync it asks for may probe again.
                Volatile.Write(ref _probing, 0);
            }
            if (live)
            {
                Volatile.Write(ref _provenAt, losses);
                if (!_trusted)
                    RequestResync();
            }
            else if (_trusted)
                _inputs.Writer.TryWrite(LostInput.Instance);
        }, CancellationToken.None);
    }

    private async Task CatchUpToPersistedAsync(StreamPositionVector target, CancellationToken cancellationToken)
    {
        if (target.IsBeforeOrEqual(_positions))
            return;
        var persisted = await Store.ReadPersistedPositionsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (writer, position) in persisted)
        {
            var goal = Math.Min(position, target.PositionOf(writer));
            if (goal > Known(writer))
                await CatchUpAsync(writer, goal, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the writer's rows up to <paramref name="target"/> (a persisted position) from PostgreSQL.</summary>
    private async Task CatchUpAsync(int writer, long target, CancellationToken cancellationToken)
    {
        var from = Known(writer);
        while (from < target)
        {
            var page = await Store.ReadWriterRowsAsync(writer, from, target, _options.CatchUpPageSize, cancellationToken)
                .ConfigureAwait(false);
            // A full page may stop short of the target; everything up to its last row is complete.
            var upTo = page.Count == _options.CatchUpPageSize ? page[^1].Position : target;
            Interlocked.Add(ref Statistics.DatabaseRowCount, page.Count);
            await ApplyAsync(new StreamBatch<TRow>(Stream, writer, from, upTo, page), cancellationToken).ConfigureAwait(false);
            from = upTo;
        }
    }

    private async Task ApplyAsync(StreamBatch<TRow> batch, CancellationToken cancellationToken)
    {
        foreach (var consumer in _consumers)
        {
            try
            {
                await consumer.ApplyAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One broken consumer must not stall the stream for the others.
                _logger.LogError(e, "A consumer of {Stream} failed on writer {Writer}'s rows up to {Position}",
                    Stream, batch.WriterId, batch.Position);
            }
        }
        _known[batch.WriterId] = batch.Position;
        PublishPositions();
    }

    /// <summary>
    /// Where a writer stands for us. One we have not heard of is at the published minimum once
    /// every registered writer is listed: a writer registers (in stream_positions, then on the
    /// bus) before it allocates, so its rows lie above every position announced before that,
    /// and the bus delivers its registration before any announcement made after it. Until the
    /// first listing, it is at the floor we started from.
    /// </summary>
    private long Known(int writer) =>
        _known.TryGetValue(writer, out var position) ? position : _listedAll ? _positions.Minimum : _floor;

    private void PublishPositions()
    {
        var minimum = _known.Count == 0 ? _floor : _known.Values.Min();
        if (!_listedAll)
            minimum = Math.Min(minimum, _floor);
        var positions = StreamPositionVector.Create(minimum, _known.Select(k => new WriterPosition(k.Key, k.Value)));
        _positions = positions;
        Notifier.Advance(Stream, positions);
    }

    private async Task TickAsync()
    {
        var stopping = _stopping.Token;
        using var timer = new PeriodicTimer(_options.ResyncRetryInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                var periodic = _options.PeriodicResyncInterval > TimeSpan.Zero
                    && DateTime.UtcNow - _lastResync >= _options.PeriodicResyncInterval;
                if (_wantsResync || periodic)
                    RequestResync();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void RequestResync()
    {
        if (Interlocked.Exchange(ref _resyncQueued, 1) == 0)
            _inputs.Writer.TryWrite(ResyncInput.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
            return;
        _subscription?.Dispose();
        _inputs.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await _ticker.ConfigureAwait(false);
    }

    private abstract record Input;

    private sealed record UpdateInput(StreamUpdate Update) : Input;

    private sealed record LostInput : Input
    {
        public static readonly LostInput Instance = new();
    }

    private sealed record ResyncInput : Input
    {
        public static readonly ResyncInput Instance = new();
    }

    private sealed record CatchUpInput(StreamPositionVector Target, TaskCompletionSource Done) : Input;

    private sealed class Listener(StreamFollower<TRow> follower) : IReplicationListener
    {
        public void OnUpdate(StreamUpdate update) => follower._inputs.Writer.TryWrite(new UpdateInput(update));

        public void OnConnectionLost() => follower._inputs.Writer.TryWrite(LostInput.Instance);

        public void OnConnectionRestored()
        {
            follower._inputs.Writer.TryWrite(LostInput.Instance);
            follower.RequestResync();
        }
    }
}

/// <summary>A consumer made of a delegate.</summary>
public sealed class DelegateStreamConsumer<TRow>(Func<StreamBatch<TRow>, ValueTask> apply) : IStreamConsumer<TRow>
{
    public ValueTask ApplyAsync(StreamBatch<TRow> batch, CancellationToken cancellationToken) => apply(batch);
}
