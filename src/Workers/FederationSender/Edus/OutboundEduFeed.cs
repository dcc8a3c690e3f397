using System.Threading.Channels;
using Cluster.Replication.Hosting;
using Cluster.Replication.Streams.Receipts;
using Cluster.Replication.Streams.Typing;
using Cluster.Shared.Configuration;
using Cluster.Shared.Identifiers;
using Cluster.Workers.Host;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cluster.Workers.FederationSender.Edus;

/// <summary>
/// Follows the typing and receipts streams from their present and offers an EDU for each change
/// of a local user (typing started or stopped, a public m.read receipt) to every other server
/// joined to the room, among the destinations this instance sends to. Remote users' rows (what
/// other servers told us) are never sent on, and m.read.private never leaves the server.
/// Nothing is stored: rows written while no sender runs are not sent, as EDUs are ephemeral.
/// </summary>
public sealed class OutboundEduFeed : IHostedService
{
    /// <summary>Changes waiting for their rooms' servers to be looked up; past it the oldest are dropped.</summary>
    public const int MaxWaiting = 10_000;

    private static readonly TimeSpan StorageRetryDelay = TimeSpan.FromSeconds(1);

    private readonly Channel<RoomEdu> _waiting = Channel.CreateBounded<RoomEdu>(
        new BoundedChannelOptions(MaxWaiting) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly RoomServersNow _roomServers;
    private readonly DestinationQueues _queues;
    private readonly ClusterContext _cluster;
    private readonly ServerName _serverName;
    private readonly TimeProvider _clock;
    private readonly ILogger<OutboundEduFeed> _logger;
    private Task _sending = Task.CompletedTask;

    private readonly record struct RoomEdu(string RoomId, OutboundEdu Edu);

    public OutboundEduFeed(
        StreamHost<TypingRow> typing, StreamHost<ReceiptRow> receipts, RoomServersNow roomServers, DestinationQueues queues,
        ClusterContext cluster, IOptions<ClusterOptions> clusterOptions, TimeProvider clock, ILogger<OutboundEduFeed> logger)
    {
        _roomServers = roomServers;
        _queues = queues;
        _cluster = cluster;
        _serverName = ServerName.Parse(clusterOptions.Value.ServerName);
        _clock = clock;
        _logger = logger;
        // The follower's thread only hands the rows over: looking up servers is the loop's work.
        typing.AddConsumer(batch =>
        {
            foreach (var row in batch.Rows)
                if (IsLocal(row.Data.UserId))
                    _waiting.Writer.TryWrite(new RoomEdu(row.Data.RoomId, EduContents.Of(row.Data)));
            return ValueTask.CompletedTask;
        });
        receipts.AddConsumer(batch =>
        {
            foreach (var row in batch.Rows)
                if (row.Data.ReceiptType == ReceiptTypes.Read && IsLocal(row.Data.UserId))
                    _waiting.Writer.TryWrite(new RoomEdu(row.Data.RoomId, EduContents.Of(row.Data)));
            return ValueTask.CompletedTask;
        });
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _sending = Task.Run(() => SendAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _sending;
    }

    private bool IsLocal(string userId) => UserId.TryParse(userId, out var user) && user.IsFromServer(_serverName);

    private async Task SendAsync(CancellationToken stopping)
    {
        try
        {
            while (await _waiting.Reader.WaitToReadAsync(stopping))
            {
                // Everything waiting at once: one lookup per room, and a destination's EDUs offered together.
                var byRoom = new Dictionary<string, List<OutboundEdu>>(StringComparer.Ordinal);
                while (_waiting.Reader.TryRead(out var waiting))
                {
                    if (!byRoom.TryGetValue(waiting.RoomId, out var edus))
                        byRoom[waiting.RoomId] = edus = [];
                    edus.Add(waiting.Edu);
                }
                try
                {
                    await OfferAsync(byRoom, stopping);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // This loop carries every later EDU: it must outlive a fault in one batch.
                    _logger.LogError(e, "Offering EDUs of {Rooms} rooms failed unexpectedly; they are dropped", byRoom.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task OfferAsync(Dictionary<string, List<OutboundEdu>> byRoom, CancellationToken stopping)
    {
        var byDestination = new Dictionary<string, List<OutboundEdu>>(StringComparer.Ordinal);
        foreach (var (roomId, edus) in byRoom)
        {
            IReadOnlyList<string> servers;
            try
            {
                servers = await _roomServers.GetAsync(roomId, stopping);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // Not retried: by the time storage is back these would be stale.
                _logger.LogWarning(e, "Looking up the servers of {RoomId} failed; dropping {Count} EDUs for it", roomId, edus.Count);
                await Task.Delay(StorageRetryDelay, _clock, stopping);
                continue;
            }
            foreach (var server in servers)
            {
                if (!ServerName.TryParse(server, out _, out _) || !_cluster.SendsTo(server))
                    continue;
                if (!byDestination.TryGetValue(server, out var forServer))
                    byDestination[server] = forServer = [];
                forServer.AddRange(edus);
            }
        }
        foreach (var (destination, edus) in byDestination)
            _queues.Offer(destination, edus);
    }
}
