using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Cluster.Replication.Bus;
using Cluster.Shared.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Cluster.Replication.Streams;

public sealed class StreamWriterOptions
{
    /// <summary>How often an otherwise quiet writer repeats its position, so readers that missed a message notice.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long an idle writer waits before announcing a position it advanced to only because
    /// others moved the sequence on; coalesces a burst of others' writes into one message.
    /// </summary>
    public TimeSpan IdleAnnounceDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Above this many row bytes an announcement omits its rows and readers read them from the database.</summary>
    public int MaxRowBytesPerMessage { get; init; } = 256 * 1024;

    /// <summary>
    /// The announced position is stored in stream_positions at most this often: it serves readers
    /// that start, and readers polling while Redis is down (once a second), so storing it on every
    /// announcement (about one per message under load) would be a round trip each for nothing.
    /// </summary>
    public TimeSpan PositionStoreInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Wait before retrying after PostgreSQL or the bus failed.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// At most this many rows go into one transaction when <see cref="StreamWriter{TRow}.WriteAsync"/>
    /// calls queue up behind each other (group commit).
    /// </summary>
    public int MaxRowsPerTransaction { get; init; } = 500;
}

/// <summary>
/// One instance's writer for one stream. Allocates positions from the stream's sequence,
/// tracks which are still being written, and announces its persisted position (with the rows
/// up to it) once everything it allocated at or below that position has finished: on the bus
/// and in stream_positions. An announcement names the previous position, so a reader can
/// tell when it missed one.
/// </summary>
/// <remarks>
/// On start the writer takes the sequence's current value as its position: nothing of ours
/// can be in flight in a fresh process. That assumes the previous process with this instance
/// name is gone (its open transactions rolled back), which is the rule for instance names.
/// </remarks>
public sealed class StreamWriter<TRow> : IAsyncDisposable, IAllocationOwner<TRow>
{
    private readonly StreamDefinition<TRow> _definition;
    private readonly NpgsqlDataSource _dataSource;
    private readonly IReplicationBus _bus;
    private readonly StreamWriterOptions _options;
    private readonly ILogger _logger;
    private readonly WriterPositionTracker _tracker;
    private readonly string _allocateSql;

    // Guards the tracker's transitions together with the rows they release: a completed row is
    // queued before its position can count as persisted, so an announcement never skips it.
    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, PendingRow> _pendingRows = [];
    private readonly SortedSet<long> _unknownOutcomes = [];

    private readonly Channel<QueuedWrite> _writeQueue =
        Channel.CreateUnbounded<QueuedWrite>(new UnboundedChannelOptions { SingleReader = true });
    private Task _groupCommitter = Task.CompletedTask;

    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _persistWake = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _subscription;
    private Task _announcer = Task.CompletedTask;
    private Task _persister = Task.CompletedTask;
    private int _idleAnnounceScheduled;
    private int _heartbeatRequested;

    // Only the announcer loop writes _announced, only the persister loop _persisted.
    private long _announced;
    private long _persisted;
    private long _lastPublishTimestamp;

    private StreamWriter(
        StreamDefinition<TRow> definition, NpgsqlDataSource dataSource, IReplicationBus bus, int writerId,
        long startPosition, StreamWriterOptions options, ILogger logger)
    {
        _definition = definition;
        _dataSource = dataSource;
        _bus = bus;
        WriterId = writerId;
        _options = options;
        _logger = logger;
        _tracker = new WriterPositionTracker(startPosition);
        _announced = _persisted = startPosition;
        _allocateSql = $"SELECT nextval('{definition.SequenceName}') FROM generate_series(1, $1)";
        Store = new StreamStore<TRow>(definition, dataSource);
    }

    public int WriterId { get; }
    public string Stream => _definition.Name;
    public StreamStore<TRow> Store { get; }

    /// <summary>Every row this writer has at or below this position is committed (maybe not yet announced).</summary>
    public long Position => _tracker.Position;

    /// <summary>The position last written to stream_positions (it trails the announcements by a round trip).</summary>
    public long PersistedPosition => Volatile.Read(ref _persisted);

    /// <summary>
    /// Registers the writer in stream_positions (before it can allocate anything, so readers
    /// that catch up know of it) and announces it on the bus.
    /// </summary>
    public static async Task<StreamWriter<TRow>> StartAsync(
        StreamDefinition<TRow> definition, NpgsqlDataSource dataSource, IReplicationBus bus, int writerId,
        StreamWriterOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var store = new StreamStore<TRow>(definition, dataSource);
        var handedOut = await store.ReadHandedOutAsync(cancellationToken).ConfigureAwait(false);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO stream_positions (stream_name, instance_id, stream_id) VALUES ($1, $2, $3) " +
            "ON CONFLICT (stream_name, instance_id) DO UPDATE SET stream_id = GREATEST(stream_positions.stream_id, EXCLUDED.stream_id) " +
            "RETURNING stream_id");
        command.Parameters.AddWithValue(definition.Name);
        command.Parameters.AddWithValue(writerId);
        command.Parameters.AddWithValue(handedOut);
        var start = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;

        var writer = new StreamWriter<TRow>(
            definition, dataSource, bus, writerId, start, options ?? new StreamWriterOptions(),
            logger ?? NullLogger.Instance);
        writer._subscription = await bus.SubscribeAsync(definition.Name, new Observer(writer), cancellationToken).ConfigureAwait(false);
        try
        {
            // Readers must hear of this writer before any position that could cover its rows.
            await writer.PublishWithRetryAsync(
                new StreamUpdate(definition.Name, writerId, start, start, false, []), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            writer._subscription.Dispose();
            throw;
        }
        writer._announcer = Task.Run(writer.AnnounceLoopAsync, CancellationToken.None);
        writer._persister = Task.Run(writer.PersistLoopAsync, CancellationToken.None);
        writer._groupCommitter = Task.Run(writer.GroupCommitLoopAsync, CancellationToken.None);
        return writer;
    }

    /// <summary>
    /// Takes <paramref name="count"/> positions from the sequence, on <paramref name="connection"/>
    /// if given (saves a pool round trip when the rows go through it).
    /// </summary>
    public async Task<StreamAllocation<TRow>> AllocateAsync(
        int count, NpgsqlConnection? connection = null, CancellationToken cancellationToken = default)
    {
        await using var batch = connection is null ? _dataSource.CreateBatch() : new NpgsqlBatch(connection);
        var (allocation, results) = await AllocateWithBatchAsync(count, batch, cancellationToken).ConfigureAwait(false);
        await results.DisposeAsync().ConfigureAwait(false);
        return allocation;
    }

    /// <summary>
    /// Allocates <paramref name="count"/> positions in the same round trip as the caller's
    /// <paramref name="batch"/>: the allocation runs first, then the batch's own commands. Returns
    /// the allocation and the reader positioned on the first of the caller's results (the caller
    /// reads and disposes it). A command of the batch that fails leaves the allocation to be
    /// abandoned by the caller, as after any failed write.
    /// </summary>
    /// <param name="batchWritesRows">
    /// The batch's commands write the rows (at the values drawn, <c>currval</c>) and commit with it,
    /// as one implicit transaction. Should it then fail without PostgreSQL refusing it (a broken
    /// connection), rows may exist at positions never learnt: readers are sent to the database for
    /// them (<see cref="WriterPositionTracker.FailRequestWithUnknownOutcome"/>).
    /// </param>
    public async Task<(StreamAllocation<TRow> Allocation, NpgsqlDataReader Results)> AllocateWithBatchAsync(
        int count, NpgsqlBatch batch, CancellationToken cancellationToken = default, bool batchWritesRows = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        var allocate = new NpgsqlBatchCommand(_allocateSql);
        allocate.Parameters.Add(new NpgsqlParameter { Value = count });
        batch.BatchCommands.Insert(0, allocate);
        var request = _tracker.BeginRequest();
        var positions = new List<long>(count);
        NpgsqlDataReader? reader = null;
        try
        {
            reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                positions.Add(reader.GetInt64(0));
        }
        catch (Exception e)
        {
            if (reader is not null)
                await reader.DisposeAsync().ConfigureAwait(false);
            // Values the sequence may have handed out are lost: gaps, never rows, unless the batch
            // wrote rows and it is not known whether it committed.
            var moved = batchWritesRows && e is not PostgresException
                ? _tracker.FailRequestWithUnknownOutcome(request)
                : _tracker.FailRequest(request);
            if (moved)
                ScheduleIdleAnnounce();
            throw;
        }
        positions.Sort();
        if (_tracker.EndRequest(request, positions))
            ScheduleIdleAnnounce();
        var allocation = new StreamAllocation<TRow>(this, WriterId, positions) { Trace = ClusterDiagnostics.RecordedContext() };
        try
        {
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (batchWritesRows && e is not PostgresException)
                allocation.CompleteWithUnknownOutcome();
            else
                allocation.Dispose();
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return (allocation, reader);
    }

    /// <summary>
    /// Writes the rows in one transaction and returns them with their positions once committed.
    /// Calls made while a transaction is out are committed together in the next one (group
    /// commit): one allocation and one insert for all of them, so under load the round trips per
    /// row fall instead of queueing, and this writer's rows commit in position order, so none
    /// waits for a lower position still in flight before it can be announced.
    /// </summary>
    public Task<IReadOnlyList<StreamRow<TRow>>> WriteAsync(IReadOnlyList<TRow> data, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(data.Count);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        var write = new QueuedWrite(data, cancellationToken);
        if (!_writeQueue.Writer.TryWrite(write))
            throw new ObjectDisposedException(GetType().FullName);
        return write.Completion.Task;
    }

    private async Task GroupCommitLoopAsync()
    {
        var queue = _writeQueue.Reader;
        var group = new List<QueuedWrite>();
        while (await queue.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            group.Clear();
            var rows = 0;
            while (rows < _options.MaxRowsPerTransaction && queue.TryRead(out var write))
            {
                if (write.CancellationToken.IsCancellationRequested)
                {
                    write.Completion.TrySetCanceled(write.CancellationToken);
                    continue;
                }
                group.Add(write);
                rows += write.Data.Count;
            }
            if (group.Count > 0)
                await CommitGroupAsync(group).ConfigureAwait(false);
        }
    }

    private async Task CommitGroupAsync(List<QueuedWrite> group)
    {
        var data = group.Count == 1 ? group[0].Data : group.SelectMany(w => w.Data).ToArray();
        IReadOnlyList<StreamRow<TRow>> rows;
        try
        {
            rows = await WriteInOneTransactionAsync(data, TracesOf(group, data.Count), _stopping.Token).ConfigureAwait(false);
        }
        catch (PostgresException) when (group.Count > 1)
        {
            // PostgreSQL refused a row and rolled the group back; one caller's bad row must not
            // fail the others, so each is tried alone.
            foreach (var write in group)
                await CommitGroupAsync([write]).ConfigureAwait(false);
            return;
        }
        catch (Exception e)
        {
            foreach (var write in group)
                write.Completion.TrySetException(e);
            return;
        }
        var offset = 0;
        foreach (var write in group)
        {
            write.Completion.TrySetResult(rows.Skip(offset).Take(write.Data.Count).ToArray());
            offset += write.Data.Count;
        }
    }

    // Each caller's span, row by row; null when no caller was in a recorded one (tracing off).
    private static ActivityContext[]? TracesOf(List<QueuedWrite> group, int rowCount)
    {
        if (group.TrueForAll(w => w.Trace == default))
            return null;
        var traces = new ActivityContext[rowCount];
        var offset = 0;
        foreach (var write in group)
        {
            traces.AsSpan(offset, write.Data.Count).Fill(write.Trace);
            offset += write.Data.Count;
        }
        return traces;
    }

    private async Task<IReadOnlyList<StreamRow<TRow>>> WriteInOneTransactionAsync(
        IReadOnlyList<TRow> data, ActivityContext[]? traces, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var allocation = await AllocateAsync(data.Count, connection, cancellationToken).ConfigureAwait(false);
        allocation.RowTraces = traces;
        var rows = allocation.Rows(data);
        if (_definition.CreateInsertCommands(rows) is { } commands)
        {
            await InsertAndCommitInOneRoundTripAsync(connection, allocation, commands, cancellationToken).ConfigureAwait(false);
            allocation.Complete(rows);
            return rows;
        }
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            await _definition.InsertAsync(connection, transaction, rows, cancellationToken).ConfigureAwait(false);
            try
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                allocation.CompleteWithUnknownOutcome();
                throw;
            }
        }
        allocation.Complete(rows);
        return rows;
    }

    // The commands and the implicit COMMIT travel together: one round trip instead of BEGIN +
    // insert, then COMMIT, which also halves the time the positions hold this writer back.
    private static async Task InsertAndCommitInOneRoundTripAsync(
        NpgsqlConnection connection, StreamAllocation<TRow> allocation, IReadOnlyList<NpgsqlBatchCommand> commands,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var command in commands)
            batch.BatchCommands.Add(command);
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        // A refused statement (PostgresException) rolled the implicit transaction back: the
        // caller's disposal of the allocation abandons the positions. Anything else (a broken
        // connection, a cancellation with the batch on the wire) leaves the commit unknown.
        catch (Exception e) when (e is not PostgresException)
        {
            allocation.CompleteWithUnknownOutcome();
            throw;
        }
    }

    void IAllocationOwner<TRow>.Complete(StreamAllocation<TRow> allocation, IReadOnlyList<StreamRow<TRow>> rows)
    {
        var encoded = new (long Position, PendingRow Row)[rows.Count];
        var buffer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < rows.Count; i++)
        {
            buffer.ResetWrittenCount();
            _definition.Encode(rows[i].Data, buffer);
            encoded[i] = (rows[i].Position, new PendingRow(buffer.WrittenSpan.ToArray(), allocation.TraceOf(i, rows.Count)));
        }
        bool moved;
        lock (_lock)
        {
            foreach (var (position, row) in encoded)
                _pendingRows[position] = row;
            moved = _tracker.Finish(allocation.Positions);
        }
        if (moved)
            Wake();
    }

    void IAllocationOwner<TRow>.CompleteUnknown(StreamAllocation<TRow> allocation)
    {
        bool moved;
        lock (_lock)
        {
            _unknownOutcomes.UnionWith(allocation.Positions);
            moved = _tracker.Finish(allocation.Positions);
        }
        if (moved)
            Wake();
    }

    void IAllocationOwner<TRow>.Abandon(StreamAllocation<TRow> allocation)
    {
        bool moved;
        lock (_lock)
            moved = _tracker.Finish(allocation.Positions);
        if (moved)
            Wake();
    }

    private void Wake() => Signal(_wake);

    private static void Signal(SemaphoreSlim signal)
    {
        try
        {
            signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    private void ScheduleIdleAnnounce()
    {
        if (Interlocked.Exchange(ref _idleAnnounceScheduled, 1) != 0)
            return;
        _ = Task.Delay(_options.IdleAnnounceDelay, _stopping.Token).ContinueWith(_ =>
        {
            Volatile.Write(ref _idleAnnounceScheduled, 0);
            Wake();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task AnnounceLoopAsync()
    {
        var stopping = _stopping.Token;
        _lastPublishTimestamp = Stopwatch.GetTimestamp();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(_options.HeartbeatInterval, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            try
            {
                await AnnounceAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Announcing {Stream} position for writer {Writer} failed; retrying", Stream, WriterId);
                try
                {
                    await Task.Delay(_options.RetryDelay, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                Wake();
            }
        }
    }

    private async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        var target = _tracker.Position;
        var heartbeatDue = Interlocked.Exchange(ref _heartbeatRequested, 0) != 0
            || Stopwatch.GetElapsedTime(_lastPublishTimestamp) >= _options.HeartbeatInterval;
        if (target != _announced || heartbeatDue)
            await PublishUpToAsync(target, cancellationToken).ConfigureAwait(false);
    }

    // stream_positions is written on its own loop, keeping a database round trip out of the
    // replication lag, and is told of each announcement as it is made, not once the bus took it:
    // while Redis is down the readers poll it, and it must keep moving then. Leading the bus is
    // safe: the rows are in their table before they are announced, and a reader that caught up
    // from it drops the live update as a duplicate.
    private async Task PersistLoopAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _persistWake.WaitAsync(stopping).ConfigureAwait(false);
                await PersistAsync(stopping).ConfigureAwait(false);
                // Announcements meanwhile signal the wake-up; the next store takes the latest.
                await Task.Delay(_options.PositionStoreInterval, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Storing {Stream} position for writer {Writer} failed; retrying", Stream, WriterId);
                try
                {
                    await Task.Delay(_options.RetryDelay, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                Signal(_persistWake);
            }
        }
    }

    private async Task PersistAsync(CancellationToken cancellationToken)
    {
        var announced = Interlocked.Read(ref _announced);
        if (announced <= _persisted)
            return;
        await using var command = _dataSource.CreateCommand(
            "UPDATE stream_positions SET stream_id = GREATEST(stream_id, $3) WHERE stream_name = $1 AND instance_id = $2");
        command.Parameters.AddWithValue(Stream);
        command.Parameters.AddWithValue(WriterId);
        command.Parameters.AddWithValue(announced);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _persisted, announced);
    }

    private async Task PublishUpToAsync(long target, CancellationToken cancellationToken)
    {
        var rows = new List<EncodedRow>();
        List<RowTrace>? traces = null;
        var omitted = false;
        lock (_lock)
        {
            while (_pendingRows.Count > 0)
            {
                var (position, pending) = _pendingRows.First();
                if (position > target)
                    break;
                rows.Add(new EncodedRow(position, pending.Payload));
                if (pending.Trace != default)
                    (traces ??= []).Add(new RowTrace(position, pending.Trace));
                _pendingRows.Remove(position);
            }
            while (_unknownOutcomes.Count > 0 && _unknownOutcomes.Min <= target)
            {
                _unknownOutcomes.Remove(_unknownOutcomes.Min);
                omitted = true;
            }
            if (_tracker.TakeUnknownRows(target))
                omitted = true;
        }
        if (!omitted && ReplicationMessageCodec.EstimateSize(Stream, rows) > _options.MaxRowBytesPerMessage)
            omitted = true;

        // Omitted rows are read from the database by readers, without their traces.
        var update = new StreamUpdate(Stream, WriterId, _announced, target, omitted, omitted ? [] : rows)
        {
            SentAt = DateTimeOffset.UtcNow,
            Traces = omitted ? null : traces,
        };
        // From here on the announcement counts as made: if the bus drops it, readers see the
        // next one's previous position jump, or a heartbeat, and read the rows from PostgreSQL.
        Interlocked.Exchange(ref _announced, target);
        Signal(_persistWake);
        _lastPublishTimestamp = Stopwatch.GetTimestamp();
        using var span = update.Traces is { } announced ? ReplicationTelemetry.StartPublish(update, announced) : null;
        try
        {
            await _bus.PublishAsync(update, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            _logger.LogWarning(e, "Publishing {Stream} position {Position} for writer {Writer} failed", Stream, target, WriterId);
        }
    }

    private async Task PublishWithRetryAsync(StreamUpdate update, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await _bus.PublishAsync(update, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "Announcing writer {Writer} of {Stream} failed; retrying", WriterId, Stream);
                await Task.Delay(_options.RetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Stops announcing, after one last attempt to announce what has completed. Allocations
    /// still open stay unfinished: to readers this writer then looks like one that crashed.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
            return;
        _subscription?.Dispose();
        // Writes already queued still commit (their callers are waiting); new ones are refused.
        _writeQueue.Writer.TryComplete();
        await _groupCommitter.ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _announcer.ConfigureAwait(false);
        await _persister.ConfigureAwait(false);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await AnnounceAsync(timeout.Token).ConfigureAwait(false);
            await PersistAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Final announcement of {Stream} writer {Writer} failed", Stream, WriterId);
        }
    }

    private readonly record struct PendingRow(byte[] Payload, ActivityContext Trace);

    private sealed class QueuedWrite(IReadOnlyList<TRow> data, CancellationToken cancellationToken)
    {
        public IReadOnlyList<TRow> Data { get; } = data;
        public CancellationToken CancellationToken { get; } = cancellationToken;

        // The caller's span: the group commit runs on the writer's own task, outside it.
        public ActivityContext Trace { get; } = ClusterDiagnostics.RecordedContext();
        public TaskCompletionSource<IReadOnlyList<StreamRow<TRow>>> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    // Watches the other writers of the stream: what they announce was handed out by the sequence.
    private sealed class Observer(StreamWriter<TRow> writer) : IReplicationListener
    {
        public void OnUpdate(StreamUpdate update)
        {
            if (update.WriterId != writer.WriterId && writer._tracker.Observe(update.Position))
                writer.ScheduleIdleAnnounce();
        }

        public void OnConnectionLost()
        {
        }

        public void OnConnectionRestored()
        {
            Volatile.Write(ref writer._heartbeatRequested, 1);
            writer.Wake();
        }
    }
}
