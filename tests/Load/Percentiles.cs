namespace Cluster.Load;

/// <summary>Latency samples in milliseconds, safe to add from many tasks.</summary>
internal sealed class Samples
{
    private readonly List<double> _values = [];
    private readonly Lock _lock = new();

    public void Add(double milliseconds)
    {
        lock (_lock)
            _values.Add(milliseconds);
    }

    public int Count
    {
        get { lock (_lock) return _values.Count; }
    }

    public string Describe()
    {
        double[] sorted;
        lock (_lock)
            sorted = [.. _values.Order()];
        if (sorted.Length == 0)
            return "no samples";
        double P(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return $"p50 {P(0.50):F1} ms, p99 {P(0.99):F1} ms, max {sorted[^1]:F1} ms over {sorted.Length}";
    }
}
