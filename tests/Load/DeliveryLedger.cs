using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cluster.Load;

/// <summary>
/// What was sent, when, and to how many receivers, against what each receiver saw: the latency of
/// every measured delivery, arrivals counted as they come (for rates over a window), repeats, and
/// what never arrived. Receivers and IDs are the load tool's own names (a user ID, a load_id).
/// </summary>
internal sealed class DeliveryLedger
{
    private readonly ConcurrentDictionary<string, Message> _sent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Receiver, string Id), byte> _arrived = new();
    private long _arrivals;
    private int _repeated;

    public Samples Latency { get; } = new();

    /// <summary>Arrivals so far, each (receiver, message) once.</summary>
    public long Arrivals => Interlocked.Read(ref _arrivals);

    /// <summary>Events a receiver saw more than once.</summary>
    public int Repeated => Volatile.Read(ref _repeated);

    /// <summary>Message <paramref name="id"/> leaves now, for <paramref name="receivers"/> receivers; only measured ones count towards latency and losses.</summary>
    public void Sending(string id, bool measured, int receivers) =>
        _sent[id] = new Message(Stopwatch.GetTimestamp(), measured, receivers);

    /// <summary>The send was refused: nothing is expected of it.</summary>
    public void Failed(string id) => _sent.TryRemove(id, out _);

    public void Seen(string receiver, string id, long at)
    {
        if (!_arrived.TryAdd((receiver, id), 0))
        {
            Interlocked.Increment(ref _repeated);
            return;
        }
        Interlocked.Increment(ref _arrivals);
        if (_sent.TryGetValue(id, out var message) && message.Measured)
            Latency.Add(Stopwatch.GetElapsedTime(message.At, at).TotalMilliseconds);
    }

    /// <summary>Deliveries expected of the messages sent so far (measured or not).</summary>
    public long Expected => _sent.Values.Sum(m => (long)m.Receivers);

    /// <summary>Measured deliveries still missing, and the measured messages at least one receiver has not seen.</summary>
    public (long Deliveries, int Messages) Missing()
    {
        var perMessage = _arrived.Keys.GroupBy(k => k.Id).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        long deliveries = 0;
        var messages = 0;
        foreach (var (id, message) in _sent)
        {
            if (!message.Measured)
                continue;
            var missing = message.Receivers - perMessage.GetValueOrDefault(id);
            if (missing > 0)
            {
                deliveries += missing;
                messages++;
            }
        }
        return (deliveries, messages);
    }

    /// <summary>Waits until every expected delivery arrived, until nothing arrived for <paramref name="quiet"/>, or at most two minutes.</summary>
    public async Task DrainAsync(TimeSpan quiet)
    {
        var last = Arrivals;
        var began = Stopwatch.GetTimestamp();
        var since = began;
        while (Arrivals < Expected && Stopwatch.GetElapsedTime(since) < quiet && Stopwatch.GetElapsedTime(began) < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(100);
            if (Arrivals != last)
            {
                last = Arrivals;
                since = Stopwatch.GetTimestamp();
            }
        }
    }

    private readonly record struct Message(long At, bool Measured, int Receivers);
}
