namespace Cluster.Workers.StreamWriters.Typing;

/// <summary>
/// Typing writes, from any process: <see cref="TypingWriter"/> where this instance writes the
/// typing stream, <see cref="RemoteTypingWriter"/> (to the writer instance) elsewhere. Returns
/// once this process's /sync can see the change.
/// </summary>
public interface ITypingWriter
{
    /// <summary>The user types in the room until <paramref name="timeout"/> (at most <see cref="TypingWriter.MaxTimeout"/>) runs out.</summary>
    Task StartTypingAsync(string roomId, string userId, TimeSpan timeout, CancellationToken cancellationToken);

    Task StopTypingAsync(string roomId, string userId, CancellationToken cancellationToken);
}
