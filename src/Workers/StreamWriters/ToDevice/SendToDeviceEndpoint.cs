using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.ToDevice;

/// <summary><c>PUT /sendToDevice/{eventType}/{txnId}</c> (spec: "Send-to-Device messaging").</summary>
internal static class SendToDeviceEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.ClientV3().MapPut("sendToDevice/{eventType}/{txnId}", async (
            HttpContext context, string eventType, string txnId, IToDeviceSender sender) =>
        {
            var type = RequestIds.Opaque(eventType, "event type");
            var txn = RequestIds.Opaque(txnId, "transaction ID");
            var body = await RequestBody.ReadObjectAsync(context);
            var messages = body.RequiredObject("messages");
            var requester = context.Requester();
            await sender.SendAsync(requester.User, requester.DeviceId, type, txn, messages, context.RequestAborted);
            return Results.Json(new JsonObject());
        }).RequireAccessToken();
}
