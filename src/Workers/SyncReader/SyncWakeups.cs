using System.Diagnostics;
using System.Collections.Concurrent;
using Cluster.Replication.Hosting;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams;
using Cluster.Replication.Streams.AccountData;
using Cluster.Replication.Streams.Events;
using Cluster.Replication.Streams.PushRules;
using Cluster.Replication.Streams.Receipts;
using Cluster.Replication.Streams.ToDevice;
using Cluster.Replication.Streams.Typing;
using Cluster.Replication.Tokens;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// Wakes long-polling /sync requests only for what concerns them: a row of a room (event,
/// typing, receipt) wakes the syncs of that room's members, a row of a user (membership,
/// account data, to-device, push rules) that user's syncs. Waking every sync on every row would
/// make each message cost a /sync computation per online user.
/// </summary>
/// <remarks>
/// Consumers run before a follower publishes its new positions, so a sync may compute its
/// response just before a row for it is applied and register just after. To close that gap,
/// every key remembers its newest row; a sync checks, after registering, whether any of its
/// keys has a row its response did not cover, and if so answers again at once.
/// Constructed with the hosted services, before any stream starts, so its consumers are in place.
/// </remarks>
public sealed class SyncWakeups : Microsoft.Extensions.Hosting.IHostedService
{
    // Per key, the newest position of each (stream, writer) applied here: a token may cover one
    // writer's row and not another's. Every row after _complete[stream] is in it, so a sync from
    // a token covering that can tell without asking PostgreSQL which rooms moved, whether the
    // user's memberships changed (events rows under room and user keys), and whether it has
    // receipts, account data, to-device messages or push rules to read at all.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(SyncStream Stream, int WriterId), long>> _newest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Waiter, byte>> _waiters = new(StringComparer.Ordinal);
    private readonly Dictionary<SyncStream, string> _streamNames = [];
    private readonly Dictionary<SyncStream, Func<StreamPositionVector>> _followed = [];
    private readonly StreamNotifier _notifier;
    private readonly RecentRoomEvents _recent;
    private volatile Dictionary<SyncStream, StreamPositionVector>? _complete;

    public SyncWakeups(
        StreamNotifier notifier, StreamHost<EventStreamRow> events, StreamHost<TypingRow> typing,
        StreamHost<ReceiptRow> receipts, StreamHost<AccountDataRow> accountData, StreamHost<ToDeviceRow> toDevice,
        StreamHost<PushRulesRow> pushRules, UnreadCounter unread, SyncUserRooms userRooms, RecentRoomEvents recent)
    {
        _notifier = notifier;
        _recent = recent;
        // The sync reader's caches before the wake-ups: a woken sync finds them up to date.
        events.AddConsumer(batch =>
        {
            recent.Apply(batch);
            userRooms.Apply(batch);
            unread.Apply(batch);
            return ValueTask.CompletedTask;
        });
        receipts.AddConsumer(batch =>
        {
            foreach (var row in batch.Rows)
                unread.ReceiptChanged(row.Data.UserId, row.Data.RoomId);
            return ValueTask.CompletedTask;
        });
        pushRules.AddConsumer(batch =>
        {
            foreach (var row in batch.Rows)
                unread.ForgetRules(row.Data.UserId);
            return ValueTask.CompletedTask;
        });
        Follow(events, SyncStream.Events, row => row.Membership is null ? [RoomKey(row.RoomId)] : [RoomKey(row.RoomId), UserKey(row.StateKey!)]);
        Follow(typing, SyncStream.Typing, row => [RoomKey(row.RoomId)]);
        Follow(receipts, SyncStream.Receipts, row => [RoomKey(row.RoomId)]);
        Follow(accountData, SyncStream.AccountData, row => [UserKey(row.UserId)]);
        Follow(toDevice, SyncStream.ToDevice, row => [UserKey(row.UserId)]);
        Follow(pushRules, SyncStream.PushRules, row => [UserKey(row.UserId)]);
    }

    public static string RoomKey(string roomId) => "r" + roomId;
    public static string UserKey(string userId) => "u" + userId;

    private void Follow<TRow>(StreamHost<TRow> host, SyncStream stream, Func<TRow, string[]> keys)
    {
        _streamNames[stream] = host.Name;
        _followed[stream] = () => host.Follower.Positions;
        host.AddConsumer(batch =>
        {
            foreach (var row in batch.Rows)
            {
                var change = new LastChange(stream, host.Name, row.WriterId, row.Position, batch.TraceOf(row.Position));
                foreach (var key in keys(row.Data))
                    Touch(key, change);
            }
            return ValueTask.CompletedTask;
        });
    }

    private void Touch(string key, LastChange change)
    {
        _newest.GetOrAdd(key, _ => new ConcurrentDictionary<(SyncStream, int), long>())
            .AddOrUpdate((change.Stream, change.WriterId), change.Position, (_, old) => Math.Max(old, change.Position));
        if (!_waiters.TryGetValue(key, out var waiters))
            return;
        Activity? span = null;
        var traced = false;
        foreach (var waiter in waiters.Keys)
        {
            if (!traced)
            {
                span = SyncTelemetry.StartWakeUp(change);
                traced = true;
            }
            waiter.Wake(change);
        }
        span?.Dispose();
    }

    /// <summary>Starts listening for rows of <paramref name="keys"/>; dispose to stop.</summary>
    public Waiter Register(IReadOnlyCollection<string> keys)
    {
        var waiter = new Waiter(this, keys);
        foreach (var key in keys)
            _waiters.GetOrAdd(key, _ => new ConcurrentDictionary<Waiter, byte>())[waiter] = 0;
        return waiter;
    }

    /// <summary>A row of one of the keys that <paramref name="served"/> does not cover, if any.</summary>
    public LastChange? ChangeNotCoveredBy(IReadOnlyCollection<string> keys, SyncToken served)
    {
        foreach (var key in keys)
            if (_newest.TryGetValue(key, out var newest))
                foreach (var ((stream, writer), position) in newest)
                    if (!served[stream].Covers(writer, position))
                        return new LastChange(stream, _streamNames[stream], writer, position);
        return null;
    }

    /// <summary>
    /// Whether every row after <paramref name="token"/>, on every stream, is one this process has
    /// seen, so that <see cref="ChangeNotCoveredBy"/> tells whether the response to it would hold
    /// anything. False when the token predates what this process has followed.
    /// </summary>
    public bool CanTellChangesSince(SyncToken token)
    {
        foreach (var stream in _followed.Keys)
            if (!Tracks(stream, token[stream]))
                return false;
        return true;
    }

    /// <summary>Waits (briefly) until the follower has published the change's position, so a response built next includes it.</summary>
    public async Task WaitUntilPublishedAsync(LastChange change, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await _notifier.WaitForAsync(
                current => current.TryGetValue(change.StreamName, out var positions) && positions.Covers(change.WriterId, change.Position),
                timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Answer with what is published; the next sync picks the row up.
        }
    }

    private void Unregister(Waiter waiter)
    {
        foreach (var key in waiter.Keys)
            // Empty sets stay: removing one could race with a registration adding to it. Their
            // number is bounded by the rooms and users this process serves.
            if (_waiters.TryGetValue(key, out var waiters))
                waiters.TryRemove(waiter, out _);
    }

    private bool HasRowBeyond(SyncStream stream, string key, StreamPositionVector token) =>
        _newest.TryGetValue(key, out var newest)
        && newest.Any(n => n.Key.Stream == stream && !token.Covers(n.Key.WriterId, n.Value));

    private bool Tracks(SyncStream stream, StreamPositionVector since) =>
        _complete is { } complete && complete[stream].IsBeforeOrEqual(since);

    /// <summary>
    /// Whether <paramref name="stream"/> may hold rows of <paramref name="key"/> that
    /// <paramref name="since"/> does not cover (true when this process cannot tell): false lets
    /// a sync skip that stream's query. Rows applied after the caller read the stream's position
    /// may make it true; they are then read, as before.
    /// </summary>
    public bool MayHaveRowsAfter(SyncStream stream, string key, StreamPositionVector since) =>
        !Tracks(stream, since) || HasRowBeyond(stream, key, since);

    /// <summary>
    /// The rooms among <paramref name="roomIds"/> with an events-stream row that
    /// <paramref name="since"/> does not cover (rows past the response's position included: the
    /// timeline read bounds them); null when this process cannot tell (the token predates what
    /// it has followed), and the caller asks PostgreSQL.
    /// </summary>
    public IReadOnlyList<string>? RoomsWithEventsAfter(IEnumerable<string> roomIds, StreamPositionVector since)
    {
        if (!Tracks(SyncStream.Events, since))
            return null;
        return [.. roomIds.Where(room => HasRowBeyond(SyncStream.Events, RoomKey(room), since))];
    }

    /// <summary>Whether the user may have membership rows after <paramref name="since"/> (true when this process cannot tell).</summary>
    public bool MayHaveMembershipChanges(string userId, StreamPositionVector since) =>
        MayHaveRowsAfter(SyncStream.Events, UserKey(userId), since);

    // Runs after the streams have started: every row after a follower's position now has
    // passed (or will pass) the consumers above.
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var complete = _followed.ToDictionary(f => f.Key, f => f.Value());
        _recent.Start(complete[SyncStream.Events]);
        _complete = complete;
        return Task.CompletedTask;
    }
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The newest row seen for a key: which stream, which writer, which position, and the span
    /// that wrote it when the writer was tracing.
    /// </summary>
    public sealed record LastChange(SyncStream Stream, string StreamName, int WriterId, long Position, ActivityContext Trace = default);

    public sealed class Waiter(SyncWakeups owner, IReadOnlyCollection<string> keys) : IDisposable
    {
        private readonly TaskCompletionSource<LastChange> _woken = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyCollection<string> Keys => keys;
        public Task<LastChange> Woken => _woken.Task;

        internal void Wake(LastChange change) => _woken.TrySetResult(change);

        public void Dispose() => owner.Unregister(this);
    }
}
