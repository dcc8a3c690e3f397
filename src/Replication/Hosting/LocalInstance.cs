namespace Cluster.Replication.Hosting;

/// <summary>
/// This process: its instance name (from <c>--instance</c>) and the writer ID the instance
/// registry gave that name, known once <see cref="RegisterLocalInstance"/> has run at start.
/// </summary>
public sealed class LocalInstance(string name)
{
    private int _writerId;

    public string Name { get; } = name;

    public int WriterId =>
        Volatile.Read(ref _writerId) is var id and > 0
            ? id
            : throw new InvalidOperationException("The instance is not registered yet; stream hosts start after RegisterLocalInstance.");

    internal void SetWriterId(int id) => Volatile.Write(ref _writerId, id);
}
