namespace Cluster.Shared.Threading;

/// <summary>
/// Async mutual exclusion per key (a room ID, say): holders of different keys run in parallel,
/// holders of the same key one at a time, in arrival order. Entries live only while held or
/// awaited, so the set of keys ever seen does not accumulate.
/// </summary>
public sealed class KeyedAsyncLock
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Count of keys held or awaited now.</summary>
    public int ActiveKeys
    {
        get { lock (_lock) return _entries.Count; }
    }

    public async Task<IDisposable> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out entry!))
                _entries[key] = entry = new Entry();
            entry.References++;
        }
        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken);
        }
        catch
        {
            Release(key, entry, held: false);
            throw;
        }
        return new Holder(this, key, entry);
    }

    private void Release(string key, Entry entry, bool held)
    {
        lock (_lock)
        {
            if (--entry.References == 0)
                _entries.Remove(key);
        }
        if (held)
            entry.Semaphore.Release();
    }

    private sealed class Entry
    {
        public readonly SemaphoreSlim Semaphore = new(1, 1);
        public int References;
    }

    private sealed class Holder(KeyedAsyncLock owner, string key, Entry entry) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                owner.Release(key, entry, held: true);
        }
    }
}
