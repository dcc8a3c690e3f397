using System.Text.Json.Nodes;
using Cluster.Replication.Streams.Receipts;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.StreamWriters.AccountData;
using Cluster.Workers.StreamWriters.Common;
using EventId = Cluster.Shared.Identifiers.EventId;

namespace Cluster.Workers.StreamWriters.Receipts;

/// <summary>
/// <c>POST /rooms/{roomId}/receipt/{receiptType}/{eventId}</c> (spec: "Receipts") and
/// <c>POST /rooms/{roomId}/read_markers</c> (spec: "Read Markers"). The read marker
/// (m.fully_read) is room account data; m.read and m.read.private are receipts.
/// </summary>
internal static class ReceiptEndpoints
{
    public const string MainThread = "main";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapPost("rooms/{roomId}/receipt/{receiptType}/{eventId}", async (
            HttpContext context, string roomId, string receiptType, string eventId, ReadMarkers markers) =>
        {
            var room = RequestIds.Room(roomId);
            if (receiptType is not (ReceiptTypes.Read or ReceiptTypes.ReadPrivate or ReceiptTypes.FullyRead))
                throw MatrixException.InvalidParam($"Unknown receipt type '{receiptType}'.");
            var @event = RequestIds.Event(eventId);
            var body = await RequestBody.ReadObjectAsync(context, emptyIsEmptyObject: true);
            var threadId = ThreadId(body);
            if (threadId is not null && receiptType == ReceiptTypes.FullyRead)
                throw MatrixException.InvalidParam("m.fully_read cannot be given a thread_id.");
            await markers.SetAsync(context, room, [(receiptType, @event, threadId)]);
            return Results.Json(new JsonObject());
        }).RequireAccessToken();

        app.ClientV3().MapPost("rooms/{roomId}/read_markers", async (HttpContext context, string roomId, ReadMarkers markers) =>
        {
            var room = RequestIds.Room(roomId);
            var body = await RequestBody.ReadObjectAsync(context);
            var marks = new List<(string, EventId, string?)>();
            foreach (var type in (string[])[ReceiptTypes.FullyRead, ReceiptTypes.Read, ReceiptTypes.ReadPrivate])
                if (body.OptionalString(type) is { } eventId)
                    marks.Add((type, RequestIds.Event(eventId), null));
            await markers.SetAsync(context, room, marks);
            return Results.Json(new JsonObject());
        }).RequireAccessToken();
    }

    /// <summary>thread_id: absent (unthreaded), "main", or a thread root's event ID; anything else is 400 M_INVALID_PARAM.</summary>
    private static string? ThreadId(JsonObject body)
    {
        if (!body.TryGetPropertyValue("thread_id", out var node))
            return null;
        if (node is not JsonValue value || !value.TryGetValue<string>(out var threadId) || threadId.Length == 0)
            throw MatrixException.InvalidParam("thread_id must be a non-empty string.");
        if (threadId != MainThread && !EventId.TryParse(threadId, out _))
            throw MatrixException.InvalidParam("thread_id must be 'main' or an event ID.");
        return threadId;
    }
}

/// <summary>
/// Checks and stores receipts and the read marker for the requester in a room: the receipts
/// through the receipts stream's writer, the marker through the account data stream's, each
/// wherever the topology puts it.
/// </summary>
public sealed class ReadMarkers(RoomMembershipStore membership, EventStore events, IReceiptWriter receipts, IAccountDataWriter accountData)
{
    public async Task SetAsync(HttpContext context, RoomId room, IReadOnlyList<(string Type, EventId Event, string? ThreadId)> marks)
    {
        var ct = context.RequestAborted;
        var user = context.Requester().User.ToString();
        var roomId = room.ToString();
        if (!await membership.IsJoinedAsync(roomId, user, ct))
            throw MatrixException.Forbidden("You are not joined to this room.");
        foreach (var eventId in marks.Select(m => m.Event.ToString()).Distinct(StringComparer.Ordinal))
            if (!await events.IsInRoomAsync(eventId, roomId, ct))
                throw MatrixException.NotFound($"Event {eventId} is not known in this room.");

        var receiptRows = marks
            .Where(m => m.Type != ReceiptTypes.FullyRead)
            .Select(m => new ReceiptMark(m.Type, m.Event.ToString(), m.ThreadId))
            .ToList();
        await receipts.WriteAsync(roomId, user, receiptRows, ct);
        foreach (var mark in marks.Where(m => m.Type == ReceiptTypes.FullyRead))
            await accountData.SetAsync(user, roomId, ReceiptTypes.FullyRead,
                new JsonObject { ["event_id"] = mark.Event.ToString() }, ct);
    }
}
