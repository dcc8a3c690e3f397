using System.Text.Json.Nodes;
using Cluster.Replication.Hosting;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams.AccountData;
using Cluster.Replication.Streams.Common;
using Cluster.Shared.Http;
using Cluster.Shared.Json;

namespace Cluster.Workers.StreamWriters.AccountData;

/// <summary>Stores account data (global or per room) through the account data stream.</summary>
public sealed class AccountDataWriter(StreamHost<AccountDataRow> stream, StreamNotifier notifier)
{
    /// <summary>
    /// Larger content is refused (413 M_TOO_LARGE). The spec sets no limit; this one leaves room
    /// for big m.direct maps while keeping every /sync that carries an entry bounded.
    /// </summary>
    public const int MaxContentBytes = 256 * 1024;

    /// <summary>Sets the entry; <paramref name="roomId"/> "" is global. Returns once this process's /sync can see it.</summary>
    public async Task SetAsync(string userId, string roomId, string type, JsonObject content, CancellationToken cancellationToken)
    {
        var bytes = CanonicalJson.Encode(content);
        if (bytes.Length > MaxContentBytes)
            throw MatrixException.TooLarge($"Account data content is limited to {MaxContentBytes} bytes.");
        var rows = await stream.Writer.WriteAsync([new AccountDataRow(userId, roomId, type, bytes)], cancellationToken);
        await OwnWrites.WaitUntilVisibleAsync(notifier, stream.Name, rows, cancellationToken);
    }
}
