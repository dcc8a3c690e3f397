using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Cluster.Load;

/// <summary>
/// One user long-polling /sync, as a client does: every timeline event that carries a
/// <c>load_id</c> and was sent by someone else is reported with the moment its response arrived.
/// The first sync only takes the position (history before it is not reported).
/// </summary>
internal sealed class TimelineWatcher(MatrixHttp matrix, string userId, string token, Action<string, long> seen)
{
    private readonly TaskCompletionSource _positioned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _errors;

    public string UserId => userId;

    /// <summary>Failed sync requests (each retried after half a second).</summary>
    public int Errors => Volatile.Read(ref _errors);

    /// <summary>Completes once the first sync answered: events after it will be reported.</summary>
    public Task Positioned => _positioned.Task;

    public async Task RunAsync(CancellationToken stop)
    {
        string? since = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // After the first, the most events a timeline may hold: a server that persists a
                // batch of events at once must not leave some in a limited timeline's gap.
                var path = "_matrix/client/v3/sync?timeout=30000" + (since is null
                    ? "&filter=" + Uri.EscapeDataString("{\"room\":{\"timeline\":{\"limit\":1}}}")
                    : "&filter=" + Uri.EscapeDataString("{\"room\":{\"timeline\":{\"limit\":100}}}") + "&since=" + Uri.EscapeDataString(since));
                var response = await matrix.SendAsync(HttpMethod.Get, path, token, null, stop);
                var now = Stopwatch.GetTimestamp();
                var first = since is null;
                since = response["next_batch"]!.GetValue<string>();
                if (first)
                {
                    _positioned.TrySetResult();
                    continue;
                }
                if (response["rooms"]?["join"] is not JsonObject joined)
                    continue;
                foreach (var (_, room) in joined)
                    foreach (var e in room?["timeline"]?["events"]?.AsArray() ?? [])
                        if (e?["content"]?["load_id"]?.GetValue<string>() is { } id && e["sender"]?.GetValue<string>() != userId)
                            seen(id, now);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                if (Interlocked.Increment(ref _errors) <= 3)
                    Console.Error.WriteLine($"sync failed for {userId}: {e.Message}");
                await Task.Delay(500, CancellationToken.None);
            }
        }
    }
}
