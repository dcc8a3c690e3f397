using System.Diagnostics;
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
        app.MapClientGet("sync", async (HttpContext context, FilterResolver filters, SyncResponseBuilder builder, SyncWakeups wakeups, SyncTokenCatchUp catchUp,
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
            // From a wake-up to the response it leads to (traced only).
            Activity? delivery = null;
            try
            {
                while (true)
                {
                    var response = await builder.BuildAsync(request, ct);
                    var remaining = deadline - DateTime.UtcNow;
                    if (!response.IsEmpty || request.Since is null || remaining <= TimeSpan.Zero)
                        return Results.Json(response.Body);
                    // Woken by a row this user's response leaves out (a filter): wait again, untraced.
                    delivery?.Dispose();
                    delivery = null;
                    // Registered after building: a row applied in between is one the response's token
                    // does not cover, which the check below finds.
                    using var waiter = wakeups.Register(response.WakeKeys);
                    if (wakeups.ChangeNotCoveredBy(response.WakeKeys, response.NextBatch) is { } missed)
                    {
                        await wakeups.WaitUntilPublishedAsync(missed, ct);
                        continue;
                    }
                    var woken = await Task.WhenAny(waiter.Woken, Task.Delay(remaining, ct));
                    if (woken != waiter.Woken)
                    {
                        ct.ThrowIfCancellationRequested();
                        SyncTelemetry.TimedOut();
                        return Results.Json(response.Body);
                    }
                    var change = await waiter.Woken;
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
}
