using System.Diagnostics;
using Cluster.Replication.Tokens;
using Cluster.Shared.Http;
using Cluster.Workers.ClientReader.Filters;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// <c>GET /sync</c>: answers at once when anything is new for the user since the token (or
/// without a token), otherwise waits up to <c>timeout</c> for a row that concerns them.
/// </summary>
internal static class SyncEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.ClientV3().MapGet("sync", async (HttpContext context, FilterResolver filters, SyncResponseBuilder builder, SyncWakeups wakeups, SyncTokenCatchUp catchUp,
            LocalEventWrites localWrites) =>
        {
            var request = await SyncRequest.ParseAsync(context, filters);
            var ct = context.RequestAborted;
            var deadline = DateTime.UtcNow + request.Timeout;
            if (request.Since is { } since)
                await catchUp.CatchUpAsync(since, ct);
            await localWrites.WaitUntilAppliedAsync(ct);
            if (request.Since is null || request.Timeout <= TimeSpan.Zero)
                await catchUp.WaitForCommittedWritesAsync(ct);
            // What the client has (a token) and the keys whose rows would add to it, while it waits.
            (SyncToken Covered, IReadOnlyCollection<string> Keys)? quiet = null;
            // Most long-polls come with nothing new since their token (the response before took
            // it all): they wait without building an empty response first. One that has something
            // new finds it in the check after registering, and builds at once.
            if (request is { Since: { } token, FullState: false } && request.Timeout > TimeSpan.Zero
                && wakeups.CanTellChangesSince(token))
                quiet = (token, await builder.WakeKeysAsync(request.UserId, ct));
            // From a wake-up to the response it leads to (traced only).
            Activity? delivery = null;
            try
            {
                while (true)
                {
                    if (quiet is not { } waiting)
                    {
                        var response = await builder.BuildAsync(request, ct);
                        if (!response.IsEmpty || request.Since is null || deadline <= DateTime.UtcNow)
                            return response.ToResult();
                        // Woken by a row this user's response leaves out (a filter): wait again, untraced.
                        delivery?.Dispose();
                        delivery = null;
                        waiting = (response.NextBatch, response.WakeKeys);
                    }
                    quiet = null;
                    // Registered after the token was read: a row applied in between is one the
                    // token does not cover, which the check below finds.
                    using var waiter = wakeups.Register(waiting.Keys);
                    if (wakeups.ChangeNotCoveredBy(waiting.Keys, waiting.Covered) is { } missed)
                    {
                        await wakeups.WaitUntilPublishedAsync(missed, ct);
                        continue;
                    }
                    if (await WokenWithinAsync(waiter, deadline - DateTime.UtcNow, ct) is not { } change)
                    {
                        SyncTelemetry.TimedOut();
                        // Built now rather than kept from before the wait: a waiting sync holds no response.
                        return (await builder.BuildAsync(request, ct)).ToResult();
                    }
                    SyncTelemetry.Woken();
                    delivery = SyncTelemetry.StartDelivery(change);
                    await wakeups.WaitUntilPublishedAsync(change, ct);
                }
            }
            finally
            {
                delivery?.Dispose();
            }
        }).RequireAccessToken();

    /// <summary>
    /// The change that woke <paramref name="waiter"/>, or null once <paramref name="timeout"/> has
    /// passed. The timer goes with the wait: a long-poll woken after a second must not leave its
    /// 30-second timer queued (at hundreds of wake-ups a second they pile up by the ten thousand).
    /// </summary>
    private static async Task<SyncWakeups.LastChange?> WokenWithinAsync(SyncWakeups.Waiter waiter, TimeSpan timeout, CancellationToken ct)
    {
        if (timeout <= TimeSpan.Zero)
            return waiter.Woken.IsCompleted ? await waiter.Woken : null;
        try
        {
            return await waiter.Woken.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }
}
