using Cluster.Replication.Bus;
using Cluster.Replication.Streams;
using Cluster.Replication.Streams.Events;
using Cluster.Replication.Tokens;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.Host;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cluster.Workers.FederationSender;

/// <summary>
/// Reads the events stream from this sender's stored position and puts every event that
/// originated on this server into the outbox of each other server that had a member joined to the
/// room just before it (among the destinations this instance sends to), then wakes those
/// destinations' loops. Events of other servers are never sent on (no echo).
/// </summary>
/// <remarks>
/// Progress: a batch that enqueues anything commits its outbox rows and the position after it in
/// one transaction (<see cref="OutboxStore.EnqueueAsync"/>). A batch that enqueues nothing (most
/// of them, on a server with little federation) only moves the position in memory; it is stored
/// every second and at shutdown. A crash in between reads those batches again, which enqueues
/// nothing again: the answer depends only on the stored history.
/// The follower hands this consumer every row once, in order per writer; a batch is retried
/// here until it is stored, so the follower never moves past rows that are not in the outbox.
/// </remarks>
public sealed class OutboundEventFeed(
    NpgsqlDataSource dataSource, IReplicationBus bus, OutboxStore outbox, EventStore events, RoomServersBeforeEvent roomServers,
    DestinationQueues queues, ClusterContext cluster, IOptions<ClusterOptions> clusterOptions, TimeProvider clock,
    ILoggerFactory loggers) : IHostedService, IStreamConsumer<EventStreamRow>
{
    private static readonly TimeSpan PositionFlushInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxStorageRetryDelay = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger = loggers.CreateLogger<OutboundEventFeed>();
    private readonly SemaphoreSlim _saving = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _instance = cluster.Instance?.Name ?? "main";
    private readonly ServerName _serverName = ServerName.Parse(clusterOptions.Value.ServerName);
    private StreamFollower<EventStreamRow>? _follower;
    private Task _following = Task.CompletedTask;
    private Task _flushing = Task.CompletedTask;
    private volatile StreamPositionVector _position = StreamPositionVector.Zero;
    private StreamPositionVector _stored = StreamPositionVector.Zero;

    /// <summary>Where the sender has read the events stream to (every event up to it is enqueued or needs nothing).</summary>
    public StreamPositionVector Position => _position;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        queues.Resume((await outbox.ReadBacklogsAsync(cancellationToken)).Where(b => cluster.SendsTo(b.Destination)));
        var stored = await outbox.ReadPositionAsync(_instance, cancellationToken);
        if (stored is null)
        {
            // A new sender starts at the stream's present: history was never meant for it.
            var persisted = await new StreamStore<EventStreamRow>(EventsStream.Instance, dataSource).ReadPersistedPositionsAsync(cancellationToken);
            stored = await outbox.InitializePositionAsync(
                _instance, StreamPositionVector.FromWriterPositions(persisted.Select(p => new WriterPosition(p.Key, p.Value))), cancellationToken);
        }
        _position = _stored = stored;
        _logger.LogInformation("Federation sender {Instance} reads the events stream from {Position}", _instance, stored);
        // Catching up after a long stop may take a while: the process starts meanwhile.
        _following = Task.Run(() => FollowAsync(stored, _stopping.Token), CancellationToken.None);
        _flushing = Task.Run(FlushPeriodicallyAsync, CancellationToken.None);
    }

    private async Task FollowAsync(StreamPositionVector from, CancellationToken stopping)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stopping.IsCancellationRequested)
        {
            // After a failed start, resume from what this consumer has taken in.
            var follower = new StreamFollower<EventStreamRow>(
                EventsStream.Instance, dataSource, bus, new StreamFollowerOptions { StartFrom = _position },
                logger: loggers.CreateLogger<StreamFollower<EventStreamRow>>());
            follower.AddConsumer(this);
            try
            {
                await follower.StartAsync(stopping);
                _follower = follower;
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                await follower.DisposeAsync();
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                await follower.DisposeAsync();
                _logger.LogWarning(e, "Starting to follow the events stream from {Position} failed; retrying in {Delay}", from, delay);
                try
                {
                    await Task.Delay(delay, clock, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxStorageRetryDelay.Ticks));
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _following;
        if (_follower is { } follower)
            await follower.DisposeAsync();
        await _flushing;
        try
        {
            await FlushPositionAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            _logger.LogWarning(e, "Storing the federation sender's position at shutdown failed; events since the last store will be read again");
        }
        await queues.DisposeAsync();
    }

    public async ValueTask ApplyAsync(StreamBatch<EventStreamRow> batch, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await ApplyOnceAsync(batch, cancellationToken);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                roomServers.Clear();
                _logger.LogWarning(e, "Enqueueing events of writer {Writer} up to {Position} for federation failed; retrying in {Delay}",
                    batch.WriterId, batch.Position, delay);
                await Task.Delay(delay, clock, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxStorageRetryDelay.Ticks));
            }
        }
    }

    private async Task ApplyOnceAsync(StreamBatch<EventStreamRow> batch, CancellationToken cancellationToken)
    {
        var next = _position.WithAdvanced(batch.WriterId, batch.Position);
        var entries = batch.Rows.Count == 0 ? [] : await OutboxEntriesAsync(batch.Rows, cancellationToken);
        if (entries.Count == 0)
        {
            _position = next;
            return;
        }
        await _saving.WaitAsync(cancellationToken);
        try
        {
            await outbox.EnqueueAsync(_instance, next, entries, cancellationToken);
            _position = _stored = next;
        }
        finally
        {
            _saving.Release();
        }
        foreach (var destination in entries.Select(e => e.Destination).Distinct(StringComparer.Ordinal))
            queues.Wake(destination);
    }

    private async Task<List<OutboxEntry>> OutboxEntriesAsync(IReadOnlyList<StreamRow<EventStreamRow>> rows, CancellationToken cancellationToken)
    {
        // Where each event could go comes from the row alone (its room and position); an event
        // is read only when its room has another server to send to, which most rooms do not.
        var sendable = new List<(string EventId, List<string> Destinations)>();
        foreach (var row in rows)
        {
            var servers = await roomServers.GetAsync(row.Data.RoomId, row.Position, cancellationToken);
            if (servers.Count > 0 && servers.Where(SendsTo).ToList() is { Count: > 0 } destinations)
                sendable.Add((row.Data.EventId, destinations));
            if (row.Data.IsMembership)
                roomServers.MembershipChanged(row.Data.RoomId);
        }
        if (sendable.Count == 0)
            return [];
        var stored = await events.GetEventsAsync([.. sendable.Select(s => s.EventId)], cancellationToken);
        var handedOver = await outbox.HandedOverAsync(
            [.. stored.Values.Where(e => e.IsInTimeline && e.Type == RoomEventTypes.Member).Select(e => e.EventId)], cancellationToken);
        var entries = new List<OutboxEntry>();
        foreach (var (eventId, destinations) in sendable)
        {
            // Ours, unless a resident server sends it on; or another server's, handed over to be sent on.
            if (stored.TryGetValue(eventId, out var e) && e.IsInTimeline
                && (IsLocal(e.Sender) ? !handedOver.ContainsKey(eventId) : handedOver.GetValueOrDefault(eventId) is not null))
                foreach (var server in destinations)
                    if (server != handedOver.GetValueOrDefault(eventId))
                        entries.Add(new OutboxEntry(server, eventId));
        }
        return entries;
    }

    private bool SendsTo(string server) => ServerName.TryParse(server, out _, out _) && cluster.SendsTo(server);

    private bool IsLocal(string sender) => UserId.TryParse(sender, out var user) && user.IsFromServer(_serverName);

    private async Task FlushPeriodicallyAsync()
    {
        using var timer = new PeriodicTimer(PositionFlushInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try
                {
                    await FlushPositionAsync(_stopping.Token);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    _logger.LogWarning(e, "Storing the federation sender's position failed; will retry");
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task FlushPositionAsync(CancellationToken cancellationToken)
    {
        await _saving.WaitAsync(cancellationToken);
        try
        {
            var position = _position;
            if (position.Equals(_stored))
                return;
            await outbox.SavePositionAsync(_instance, position, cancellationToken);
            _stored = position;
        }
        finally
        {
            _saving.Release();
        }
    }
}
