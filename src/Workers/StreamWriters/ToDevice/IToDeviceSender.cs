using System.Text.Json.Nodes;
using Cluster.Shared.Identifiers;

namespace Cluster.Workers.StreamWriters.ToDevice;

/// <summary>
/// Send-to-device, from any process: <see cref="ToDeviceSender"/> where this instance writes the
/// to-device stream, <see cref="RemoteToDeviceSender"/> (to the writer instance) elsewhere.
/// Returns once this process's /sync can see the messages.
/// </summary>
public interface IToDeviceSender
{
    /// <summary>
    /// Queues <paramref name="messages"/> ({user ID: {device ID or "*": content}}, checked by the
    /// writer) from <paramref name="sender"/>'s <paramref name="senderDevice"/>, once per transaction ID.
    /// </summary>
    Task SendAsync(UserId sender, string senderDevice, string type, string txnId, JsonObject messages, CancellationToken cancellationToken);
}
