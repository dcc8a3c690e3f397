using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Configuration.Topology;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.Host;
using Cluster.Workers.Host.Internal;

namespace Cluster.Workers.EventPersister;

/// <summary>
/// A creator's way to its rooms' persisters in a worker cluster: the room's shard owner gets the
/// events over internal HTTP (<see cref="PersistEndpoint"/>), or this process's own persister when
/// it owns the shard. The owner's refusals come back as the same exceptions a local persister
/// throws, so rebuilding and transaction-ID idempotency work alike on both paths. An owner that
/// refuses connections (restarting, say) is retried for a few seconds; after that, or when the
/// outcome is unknown (the connection broke mid-request), the send fails with 503: the client
/// retries, and its transaction ID makes that safe.
/// </summary>
public sealed class RemoteEventPersistence(
    ClusterContext cluster, InternalClient client, LocalEventPersistence? local, TimeProvider time,
    ILogger<RemoteEventPersistence> logger) : IEventPersistence
{
    /// <summary>How long an owner that refuses connections is retried before the send fails.</summary>
    public static readonly TimeSpan UnreachableWait = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    public async Task<PersistResult> PersistAsync(PersistRequest request, CancellationToken cancellationToken)
    {
        var owner = cluster.RemotePersisterOf(request.RoomId);
        if (owner is null)
            return await (local ?? throw new InvalidOperationException(
                    $"This instance owns room {request.RoomId}'s shard but hosts no event persister."))
                .PersistAsync(request, cancellationToken);

        var body = JsonSerializer.SerializeToNode(request, PersistProtocol.Json);
        using var response = await SendAsync(owner, PersistProtocol.Path, request.RoomId, body, cancellationToken);
        var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
            return ReadResult(owner, request, payload);
        throw Refusal(owner, request.RoomId, request.Events.Count, response.StatusCode, payload);
    }

    public async Task<ReceivedPersistResult> PersistReceivedAsync(ReceivedPersistRequest request, CancellationToken cancellationToken)
    {
        var owner = cluster.RemotePersisterOf(request.RoomId);
        if (owner is null)
            return await (local ?? throw new InvalidOperationException(
                    $"This instance owns room {request.RoomId}'s shard but hosts no event persister."))
                .PersistReceivedAsync(request, cancellationToken);

        var body = JsonSerializer.SerializeToNode(request, PersistProtocol.Json);
        using var response = await SendAsync(owner, PersistProtocol.ReceivedPath, request.RoomId, body, cancellationToken);
        var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            var result = ReadPayload<ReceivedPersistResult>(owner, request.RoomId, payload);
            if (result.Events.Count != request.Events.Count
                || result.Events.Where((e, i) => e.EventId != request.Events[i].EventId).Any())
                throw new InvalidOperationException($"Event persister {owner.Name} answered a persist of {request.RoomId} with other events than were sent.");
            return result;
        }
        var error = ErrorOf(payload);
        if (StringOf(error?["errcode"]) == PersistProtocol.MissingPrevState)
            throw new MissingPrevStateException(StringOf(error?["event_id"]) ?? "",
                error?["missing"] is JsonArray missing ? [.. missing.Select(StringOf).OfType<string>()] : []);
        throw Refusal(owner, request.RoomId, request.Events.Count, response.StatusCode, payload);
    }

    private async Task<HttpResponseMessage> SendAsync(
        TopologyInstance owner, string path, string roomId, JsonNode? body, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await client.SendAsync(owner, HttpMethod.Post, path, body, cancellationToken);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError
                && time.GetElapsedTime(started) + delay < UnreachableWait)
            {
                // Nothing reached the owner, so sending again cannot persist twice.
                logger.LogWarning("Event persister {Persister} refused the connection for {RoomId} (attempt {Attempt}): {Reason}",
                    owner.Name, roomId, attempt, e.Message);
                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
            catch (HttpRequestException e)
            {
                logger.LogError("Event persister {Persister} could not be reached for {RoomId} after {Attempts} attempt(s): {Reason}",
                    owner.Name, roomId, attempt, e.Message);
                throw Unavailable();
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogError("Event persister {Persister} did not answer for {RoomId} in time: {Reason}", owner.Name, roomId, e.Message);
                throw Unavailable();
            }
        }
    }

    private static T ReadPayload<T>(TopologyInstance owner, string roomId, byte[] payload) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(payload, PersistProtocol.Json)
                ?? throw new InvalidOperationException($"Event persister {owner.Name} answered a persist of {roomId} with null.");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"Event persister {owner.Name} answered a persist of {roomId} with an unreadable body.", e);
        }
    }

    private PersistResult ReadResult(TopologyInstance owner, PersistRequest request, byte[] payload)
    {
        var result = ReadPayload<PersistResult>(owner, request.RoomId, payload);
        if (result.Events.Count != request.Events.Count
            || result.Events.Where((e, i) => e.EventId != request.Events[i].EventId).Any())
            throw new InvalidOperationException($"Event persister {owner.Name} answered a persist of {request.RoomId} with other events than were sent.");
        return result;
    }

    private Exception Refusal(TopologyInstance owner, string roomId, int eventCount, HttpStatusCode status, byte[] payload)
    {
        var error = ErrorOf(payload);
        var errcode = StringOf(error?["errcode"]);
        var message = StringOf(error?["error"]) ?? $"HTTP {(int)status}";
        switch (errcode)
        {
            case PersistProtocol.RoomMovedOn:
                return new RoomMovedOnException(message);
            case PersistProtocol.DuplicateTransaction:
                return new DuplicateTransactionException(TransactionOf(error)
                    ?? throw new InvalidOperationException($"Event persister {owner.Name} named no transaction in a duplicate."));
            case PersistProtocol.NotRoomOwner:
                // Processes reading different topology files: a deployment mistake, not the client's.
                logger.LogError("Event persister {Persister} refused room {RoomId}: {Reason}. Do all processes read the same topology?",
                    owner.Name, roomId, message);
                return Unavailable();
        }
        if ((int)status >= 500)
        {
            logger.LogError("Event persister {Persister} failed to persist {Count} event(s) in {RoomId}: {Status} {Reason}",
                owner.Name, eventCount, roomId, (int)status, message);
            return Unavailable();
        }
        return new InvalidOperationException(
            $"Event persister {owner.Name} refused a persist of {roomId}: {(int)status} {errcode} {message}");
    }

    private static JsonObject? ErrorOf(byte[] payload)
    {
        try
        {
            return JsonNode.Parse(payload) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ClientTransaction? TransactionOf(JsonObject? error)
    {
        try
        {
            return error?["transaction"]?.Deserialize<ClientTransaction>(PersistProtocol.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? StringOf(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static MatrixException Unavailable() => new(StatusCodes.Status503ServiceUnavailable, ErrCodes.Unknown,
        "The event could not be stored right now; try again (a retry with the same transaction ID is safe).");
}
