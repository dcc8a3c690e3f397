using Cluster.Shared.Federation.Client;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Federation;
using Npgsql;

namespace Cluster.Workers.FederationReader.Devices;

/// <summary>
/// Fetches the whole device list of another server's user (<c>GET /_matrix/federation/v1/user/devices/{userId}</c>
/// from their server) when the one held here is marked for a resync (<see cref="RemoteDeviceListStore"/>:
/// an update did not follow on from it, or none was held). It runs beside <c>/send</c>, which only
/// marks the list and wakes it, so a slow or dead origin never holds a transaction's answer. It is
/// bounded: at most <see cref="BatchSize"/> users taken at a time, <see cref="Parallelism"/>
/// requests at once; a failed fetch is tried again later, waiting twice as long each time up to
/// <see cref="MaxBackoff"/>. The marks are in PostgreSQL, so a restart loses none, and several
/// federation readers share them without fetching one list twice at once.
/// </summary>
public sealed class RemoteDeviceListResync(
    RemoteDeviceListStore lists, FederationClient federation, DeviceListResyncSignal signal, TimeProvider clock,
    ILogger<RemoteDeviceListResync> logger) : BackgroundService
{
    public const int BatchSize = 16;
    public const int Parallelism = 4;

    /// <summary>How often due resyncs are looked for without a wake (retries, other readers' marks).</summary>
    public static readonly TimeSpan LookInterval = TimeSpan.FromSeconds(30);

    /// <summary>The wait after a first attempt; it also covers the attempt itself (longer than a federation request may take).</summary>
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);

    /// <summary>How long after an attempt (the <paramref name="attemptsBefore"/>+1-th) the next one is due.</summary>
    public static TimeSpan Backoff(int attemptsBefore) =>
        TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks << Math.Min(attemptsBefore, 12)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                IReadOnlyList<string> due;
                do
                {
                    due = await lists.ClaimDueResyncsAsync(clock.GetUtcNow(), Backoff, BatchSize, stoppingToken);
                    await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = stoppingToken },
                        async (userId, cancellationToken) => await ResyncAsync(userId, cancellationToken));
                }
                while (due.Count == BatchSize);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Looking for device lists to resync failed; trying again in {Interval}", LookInterval);
            }
            await signal.WaitAsync(LookInterval, stoppingToken);
        }
    }

    private async Task ResyncAsync(string userId, CancellationToken cancellationToken)
    {
        if (!UserId.TryParse(userId, out var user))
            return;
        FederationResponse response;
        try
        {
            response = await federation.SendAsync(user.ServerName, HttpMethod.Get,
                $"/_matrix/federation/v1/user/devices/{Uri.EscapeDataString(userId)}", null, cancellationToken);
        }
        catch (FederationRequestException e)
        {
            logger.LogInformation("Resyncing the device list of {UserId} failed: {Reason}; it will be tried again", userId, e.Message);
            return;
        }
        if (!response.IsSuccess || !UserDevicesAnswer.TryRead(response.Body, userId, out var streamId, out var devices))
        {
            logger.LogInformation("Resyncing the device list of {UserId} failed: {Server} answered {Status} with no device list of theirs; it will be tried again",
                userId, user.ServerName, response.Status);
            return;
        }
        try
        {
            await lists.ReplaceAsync(userId, streamId, devices, cancellationToken);
            logger.LogInformation("Resynced the device list of {UserId}: {Devices} devices at stream ID {StreamId}", userId, devices.Count, streamId);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            logger.LogWarning(e, "Storing the resynced device list of {UserId} failed; it will be tried again", userId);
        }
    }
}
