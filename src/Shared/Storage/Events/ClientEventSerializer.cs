using System.Text.Json.Nodes;
using Cluster.Shared.Events;

namespace Cluster.Shared.Storage.Events;

/// <summary>
/// Serves stored events in the client format: loads what <c>unsigned</c> needs (the replaced state's
/// content, the redaction that removed an event, the requesting device's transaction IDs) in a few
/// queries for the whole list, then formats each event.
/// </summary>
public sealed class ClientEventSerializer(EventStore events, TransactionIdStore transactions, TimeProvider clock)
{
    /// <summary>
    /// The events in client format, in the order given. <paramref name="userId"/> and
    /// <paramref name="deviceId"/> name the requester: only the device that sent an event sees its
    /// transaction ID.
    /// </summary>
    public async Task<IReadOnlyList<JsonObject>> SerializeAsync(
        IReadOnlyList<StoredEvent> stored, string? userId, string? deviceId, CancellationToken cancellationToken)
    {
        if (stored.Count == 0)
            return [];
        var related = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in stored)
        {
            if (e.ReplacesState is { } replaced) related.Add(replaced);
            if (e.RedactedBy is { } redaction) related.Add(redaction);
        }
        var relatedEvents = await events.GetEventsAsync(related, cancellationToken);
        var txnIds = userId is not null && deviceId is not null
            ? await transactions.GetForDeviceAsync([.. stored.Where(e => e.Sender == userId).Select(e => e.EventId)], userId, deviceId, cancellationToken)
            : new Dictionary<string, string>();

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var result = new List<JsonObject>(stored.Count);
        foreach (var e in stored)
        {
            JsonObject? prevContent = null;
            if (e.ReplacesState is { } replaced && relatedEvents.TryGetValue(replaced, out var previous))
                prevContent = ClientEventFormat.ContentOf(previous.ParseJson(), previous.RoomVersion, previous.IsRedacted);
            JsonObject? redactedBecause = null;
            if (e.RedactedBy is { } redactionId && relatedEvents.TryGetValue(redactionId, out var redaction))
                redactedBecause = ClientEventFormat.Format(
                    redaction.ParseJson(), redaction.RoomVersion, redaction.EventId, redaction.RoomId, false, now);
            result.Add(ClientEventFormat.Format(e.Json, e.RoomVersion, e.EventId, e.RoomId, e.IsRedacted, now,
                new ClientEventExtras
                {
                    PrevContent = prevContent,
                    RedactedBecause = redactedBecause,
                    TransactionId = txnIds.GetValueOrDefault(e.EventId),
                }));
        }
        return result;
    }

    public async Task<JsonObject> SerializeAsync(StoredEvent stored, string? userId, string? deviceId, CancellationToken cancellationToken) =>
        (await SerializeAsync([stored], userId, deviceId, cancellationToken))[0];
}
