using System.Text.Json.Nodes;
using Cluster.Replication.Streams.ToDevice;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.ToDevice;

/// <summary>Send-to-device requests sent to the to-device stream's writer instance.</summary>
public sealed class RemoteToDeviceSender(RemoteStreamWriter writer) : IToDeviceSender
{
    public Task SendAsync(UserId sender, string senderDevice, string type, string txnId, JsonObject messages, CancellationToken cancellationToken) =>
        writer.WriteAsync(ToDeviceInternalEndpoints.Send, new JsonObject
        {
            [ToDeviceInternalEndpoints.Sender] = sender.ToString(),
            [ToDeviceInternalEndpoints.SenderDevice] = senderDevice,
            [ToDeviceInternalEndpoints.Type] = type,
            [ToDeviceInternalEndpoints.TxnId] = txnId,
            // Cloned: the caller keeps its object, and a node has one parent.
            [ToDeviceInternalEndpoints.Messages] = messages.DeepClone(),
        }, cancellationToken);
}

/// <summary>The to-device writer's internal endpoint, which <see cref="RemoteToDeviceSender"/> calls.</summary>
internal static class ToDeviceInternalEndpoints
{
    public const string Send = "send";
    public const string Sender = "sender";
    public const string SenderDevice = "sender_device";
    public const string Type = "type";
    public const string TxnId = "txn_id";
    public const string Messages = "messages";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapInternalStreamWrites(ToDeviceStream.StreamName).MapPost(Send, async (HttpContext context, ToDeviceSender sender) =>
        {
            var body = await RequestBody.ReadObjectAsync(context);
            var user = UserId.TryParse(body.RequiredString(Sender), out var parsed)
                ? parsed
                : throw MatrixException.BadJson($"'{Sender}' must be a user ID.");
            return InternalStreamWrites.Reply(await sender.SendAsync(
                user, body.RequiredString(SenderDevice), body.RequiredString(Type), body.RequiredString(TxnId),
                body.RequiredObject(Messages), context.RequestAborted));
        });
}
