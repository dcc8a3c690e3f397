using System.Text.Json.Nodes;
using Cluster.Replication.Streams.Receipts;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Acl;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.StreamWriters.Receipts;
using EventId = Cluster.Shared.Identifiers.EventId;

namespace Cluster.Workers.FederationReader.Transactions.Edus;

/// <summary>
/// <c>m.receipt</c> (<c>{room_id: {"m.read": {user_id: {"event_ids": [...], "data": {"ts", "thread_id"?}}}}}</c>):
/// read receipts of the origin's users, each joined to the room now, for events A has in that
/// room. Written through the receipts stream's writer like a local user's. Only m.read is taken:
/// private receipts never travel, and other types are not defined.
/// </summary>
public sealed class InboundReceipts(
    RoomMembershipStore membership, EventStore events, RoomServerAcls acls, IReceiptWriter writer, ILogger<InboundReceipts> logger)
{
    public const string EduType = "m.receipt";

    public async Task ApplyAsync(string origin, JsonObject content, CancellationToken cancellationToken)
    {
        foreach (var (roomId, byType) in content)
        {
            if (!RoomId.TryParse(roomId, out _) || byType is not JsonObject types)
            {
                logger.LogInformation("{Origin} sent m.receipt for '{RoomId}', which is not a room ID with receipts; ignoring it", origin, roomId);
                continue;
            }
            if (types[ReceiptTypes.Read] is not JsonObject users)
                continue;
            if (!(await acls.GetAsync(roomId, cancellationToken)).Allows(origin))
            {
                logger.LogInformation("{Origin} is denied by the server ACL of {RoomId}; ignoring its receipts", origin, roomId);
                continue;
            }
            foreach (var (userKey, receipt) in users)
                await ApplyUserAsync(origin, roomId, userKey, receipt, cancellationToken);
        }
    }

    private async Task ApplyUserAsync(string origin, string roomId, string userKey, JsonNode? receipt, CancellationToken cancellationToken)
    {
        if (!EduOrigin.IsUserOf(origin, JsonValue.Create(userKey), out var userId))
        {
            logger.LogInformation("{Origin} sent a receipt for {UserId}, who is not its user; ignoring it", origin, userKey);
            return;
        }
        if (receipt is not JsonObject fields || fields["event_ids"] is not JsonArray eventIds || eventIds.Count == 0)
        {
            logger.LogInformation("{Origin} sent a receipt of {UserId} in {RoomId} without event_ids; ignoring it", origin, userId, roomId);
            return;
        }
        if (!TryReadThreadId(fields["data"], out var threadId))
        {
            logger.LogInformation("{Origin} sent a receipt of {UserId} in {RoomId} with a bad thread_id; ignoring it", origin, userId, roomId);
            return;
        }
        if (!await membership.IsJoinedAsync(roomId, userId, cancellationToken))
        {
            logger.LogInformation("{UserId} of {Origin} is not joined to {RoomId}; ignoring its receipt", userId, origin, roomId);
            return;
        }
        var marks = new List<ReceiptMark>();
        foreach (var node in eventIds)
        {
            // The spec's receipts carry one event; take each that A has in the room.
            if (Pdu.StringOf(node) is { } eventId && EventId.TryParse(eventId, out _)
                && await events.IsInRoomAsync(eventId, roomId, cancellationToken))
                marks.Add(new ReceiptMark(ReceiptTypes.Read, eventId, threadId));
            else
                logger.LogInformation("{Origin} sent a receipt of {UserId} for {EventId}, which is not an event of {RoomId} here; ignoring it",
                    origin, userId, node?.ToJsonString(), roomId);
        }
        await writer.WriteAsync(roomId, userId, marks, cancellationToken);
    }

    /// <summary>data.thread_id: absent (unthreaded: null), "main", or a thread root's event ID; false for anything else.</summary>
    private static bool TryReadThreadId(JsonNode? data, out string? threadId)
    {
        threadId = null;
        if (data is not JsonObject fields || !fields.TryGetPropertyValue("thread_id", out var node) || node is null)
            return true;
        threadId = Pdu.StringOf(node);
        return threadId is not null && (threadId == ReceiptEndpoints.MainThread || EventId.TryParse(threadId, out _));
    }
}
