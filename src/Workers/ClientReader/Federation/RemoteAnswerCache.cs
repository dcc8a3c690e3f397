using System.Collections.Concurrent;
using Cluster.Shared.Http;

namespace Cluster.Workers.ClientReader.Federation;

/// <summary>
/// Answers other servers gave to reads made for local clients, kept for a while. Every outcome
/// is kept, a refusal and an unreachable server too: a busy client, or anyone at all for reads
/// that need no token, cannot turn this server into a stream of requests to one that is down.
/// </summary>
public sealed class RemoteAnswerCache<TKey, TValue>(TimeSpan timeToLive, int maxEntries, TimeProvider clock)
    where TKey : notnull
    where TValue : class
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();

    /// <summary>The kept answer for <paramref name="key"/>, or <paramref name="ask"/>'s, which is then kept.</summary>
    public async Task<TValue> GetAsync(TKey key, Func<Task<Outcome>> ask)
    {
        var now = clock.GetUtcNow();
        if (_entries.TryGetValue(key, out var cached) && cached.Expires > now)
            return cached.Outcome.Answer();

        var outcome = await ask();
        if (_entries.Count >= maxEntries)
            Trim(now);
        _entries[key] = new Entry(outcome, now + timeToLive);
        return outcome.Answer();
    }

    private void Trim(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
            if (entry.Expires <= now)
                _entries.TryRemove(key, out _);
        if (_entries.Count >= maxEntries)
            _entries.Clear();
    }

    private sealed record Entry(Outcome Outcome, DateTimeOffset Expires);

    /// <summary>A value, or the error the client gets instead.</summary>
    public sealed record Outcome(TValue? Value, MatrixException? Error)
    {
        public static Outcome Found(TValue value) => new(value, null);
        public static Outcome Failed(MatrixException error) => new(null, error);

        // A fresh exception per answer: one instance thrown on several requests at once would share its stack trace.
        public TValue Answer() =>
            Value ?? throw new MatrixException(Error!.Status, Error.ErrCode, Error.Message);
    }
}
