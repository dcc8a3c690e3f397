using System.Text.Json.Nodes;

namespace Cluster.Workers.StreamWriters.AccountData;

/// <summary>
/// Account data writes, from any process: <see cref="AccountDataWriter"/> where this instance
/// writes the account data stream, <see cref="RemoteAccountDataWriter"/> (to the writer
/// instance) elsewhere. Returns once this process's /sync can see the entry.
/// </summary>
public interface IAccountDataWriter
{
    /// <summary>Sets the entry; <paramref name="roomId"/> "" is global. Content over <see cref="AccountDataWriter.MaxContentBytes"/> is 413 M_TOO_LARGE.</summary>
    Task SetAsync(string userId, string roomId, string type, JsonObject content, CancellationToken cancellationToken);
}
