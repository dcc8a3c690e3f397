using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Identifiers;
using Cluster.Workers.StreamWriters.ToDevice;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Transactions.Edus;

/// <summary>
/// <c>m.direct_to_device</c> (<c>{sender, type, message_id, messages: {user_id: {device_id or "*": content}}}</c>):
/// messages from a user of the origin to this server's users' devices, queued through the
/// to-device stream's writer. Users of other servers in <c>messages</c> are skipped (not ours to
/// deliver). <c>message_id</c> is taken as the sender's transaction ID, so a message the origin
/// sends again in another transaction is delivered once.
/// </summary>
public sealed class InboundToDevice(IToDeviceSender sender, IOptions<ClusterOptions> cluster, ILogger<InboundToDevice> logger)
{
    public const string EduType = ToDeviceSender.DirectToDeviceEduType;

    /// <summary>
    /// The device the deduplication records a remote sender under: remote senders have no device
    /// here, and the name cannot clash with a local device's, as no local user sends as a remote one.
    /// </summary>
    public const string RemoteSenderDevice = "federation";

    public async Task ApplyAsync(string origin, JsonObject content, CancellationToken cancellationToken)
    {
        var type = Pdu.StringOf(content["type"]);
        var messageId = Pdu.StringOf(content["message_id"]);
        if (!EduOrigin.IsUserOf(origin, content["sender"], out var senderId)
            || string.IsNullOrEmpty(type) || string.IsNullOrEmpty(messageId) || content["messages"] is not JsonObject messages)
        {
            logger.LogInformation("{Origin} sent a malformed m.direct_to_device EDU, or one from a user of another server; ignoring it", origin);
            return;
        }
        var local = new JsonObject();
        foreach (var (userId, devices) in messages)
            if (UserId.TryParse(userId, out var user) && user.ServerNameSpan.SequenceEqual(cluster.Value.ServerName))
                local[userId] = devices?.DeepClone();
        if (local.Count == 0)
            return;
        await sender.SendAsync(UserId.Parse(senderId), RemoteSenderDevice, type, messageId, local, cancellationToken);
    }
}
