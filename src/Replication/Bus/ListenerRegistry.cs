using System.Collections.Immutable;

namespace Cluster.Replication.Bus;

/// <summary>Listeners by stream, read lock-free on every message, changed rarely.</summary>
internal sealed class ListenerRegistry
{
    private ImmutableDictionary<string, ImmutableArray<IReplicationListener>> _byStream =
        ImmutableDictionary<string, ImmutableArray<IReplicationListener>>.Empty;

    public IDisposable Add(string stream, IReplicationListener listener)
    {
        ImmutableInterlocked.AddOrUpdate(ref _byStream, stream, [listener], (_, existing) => existing.Add(listener));
        return new Registration(this, stream, listener);
    }

    public ImmutableArray<IReplicationListener> For(string stream) =>
        _byStream.TryGetValue(stream, out var listeners) ? listeners : [];

    public IEnumerable<IReplicationListener> All => _byStream.Values.SelectMany(l => l).Distinct();

    private void Remove(string stream, IReplicationListener listener) =>
        ImmutableInterlocked.Update(ref _byStream, map =>
            map.TryGetValue(stream, out var existing) ? map.SetItem(stream, existing.Remove(listener)) : map);

    private sealed class Registration(ListenerRegistry owner, string stream, IReplicationListener listener) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                owner.Remove(stream, listener);
        }
    }
}
