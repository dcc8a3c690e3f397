using System.Text.Json.Nodes;
using Cluster.Replication.Hosting;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams.AccountData;
using Cluster.Replication.Streams.Common;
using Cluster.Shared.Http;
using Cluster.Shared.Json;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.AccountData;

/// <summary>Stores account data (global or per room) through the account data stream, on the instance that writes it.</summary>
public sealed class AccountDataWriter(StreamHost<AccountDataRow> stream, StreamNotifier notifier) : IAccountDataWriter
{
    /// <summary>
    /// Larger content is refused (413 M_TOO_LARGE). The spec sets no limit; this one leaves room
    /// for big m.direct maps while keeping every /sync that carries an entry bounded.
    /// </summary>
    public const int MaxContentBytes = 256 * 1024;

    Task IAccountDataWriter.SetAsync(string userId, string roomId, string type, JsonObject content, CancellationToken cancellationToken) =>
        SetAsync(userId, roomId, type, content, cancellationToken);

    /// <summary>Sets the entry; <paramref name="roomId"/> "" is global. Returns once this process's /sync can see it.</summary>
    public async Task<StreamWritten?> SetAsync(string userId, string roomId, string type, JsonObject content, CancellationToken cancellationToken)
    {
        var bytes = CanonicalJson.Encode(content);
        if (bytes.Length > MaxContentBytes)
            throw MatrixException.TooLarge($"Account data content is limited to {MaxContentBytes} bytes.");
        var rows = await stream.Writer.WriteAsync([new AccountDataRow(userId, roomId, type, bytes)], cancellationToken);
        await OwnWrites.WaitUntilVisibleAsync(notifier, stream.Name, rows, cancellationToken);
        return StreamWritten.Of(stream.Name, rows);
    }
}
