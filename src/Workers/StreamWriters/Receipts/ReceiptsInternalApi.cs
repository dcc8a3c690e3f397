using System.Text.Json.Nodes;
using Cluster.Replication.Streams.Receipts;
using Cluster.Shared.Http;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.Receipts;

/// <summary>Receipt writes sent to the receipts stream's writer instance.</summary>
public sealed class RemoteReceiptWriter(RemoteStreamWriter writer) : IReceiptWriter
{
    public async Task WriteAsync(string roomId, string userId, IReadOnlyList<ReceiptMark> receipts, CancellationToken cancellationToken)
    {
        if (receipts.Count == 0)
            return;
        var marks = new JsonArray();
        foreach (var receipt in receipts)
        {
            var mark = new JsonObject
            {
                [ReceiptsInternalEndpoints.Type] = receipt.Type,
                [ReceiptsInternalEndpoints.EventId] = receipt.EventId,
            };
            if (receipt.ThreadId is not null)
                mark[ReceiptsInternalEndpoints.ThreadId] = receipt.ThreadId;
            marks.Add(mark);
        }
        await writer.WriteAsync(ReceiptsInternalEndpoints.Write, new JsonObject
        {
            [ReceiptsInternalEndpoints.RoomId] = roomId,
            [ReceiptsInternalEndpoints.UserId] = userId,
            [ReceiptsInternalEndpoints.Receipts] = marks,
        }, cancellationToken);
    }
}

/// <summary>The receipts writer's internal endpoint, which <see cref="RemoteReceiptWriter"/> calls.</summary>
internal static class ReceiptsInternalEndpoints
{
    public const string Write = "write";
    public const string RoomId = "room_id";
    public const string UserId = "user_id";
    public const string Receipts = "receipts";
    public const string Type = "type";
    public const string EventId = "event_id";
    public const string ThreadId = "thread_id";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapInternalStreamWrites(ReceiptsStream.StreamName).MapPost(Write, async (HttpContext context, ReceiptWriter writer) =>
        {
            var body = await RequestBody.ReadObjectAsync(context);
            var receipts = new List<ReceiptMark>();
            foreach (var node in body.OptionalArray(Receipts) ?? throw MatrixException.BadJson($"'{Receipts}' is required."))
            {
                if (node is not JsonObject mark)
                    throw MatrixException.BadJson($"Each of '{Receipts}' must be an object.");
                receipts.Add(new ReceiptMark(mark.RequiredString(Type), mark.RequiredString(EventId), mark.OptionalString(ThreadId)));
            }
            return InternalStreamWrites.Reply(await writer.WriteAsync(
                body.RequiredString(RoomId), body.RequiredString(UserId), receipts, context.RequestAborted));
        });
}
