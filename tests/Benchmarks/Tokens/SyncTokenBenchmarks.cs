using BenchmarkDotNet.Attributes;
using Cluster.Replication.Tokens;

namespace Cluster.Benchmarks.Tokens;

/// <summary>
/// What every /sync request does with tokens: parse <c>since</c>, compare it with the reader's current
/// position, merge, and format <c>next_batch</c>. Positions have the 10-12 digits of a busy server, with two
/// event persisters and one receipts writer ahead of the rest.
/// </summary>
[MemoryDiagnoser]
public class SyncTokenBenchmarks
{
    private const string Since = "m183746529104~2.183746529117~5.183746529131_40913872_m9182736455~3.9182736460_773829104_18273645_99182736_4418273645_7281936";

    private readonly SyncToken _since = SyncToken.Parse(Since);
    private readonly SyncToken _current = SyncToken.Parse(Since)
        .WithAdvanced(SyncStream.Events, 3, 183746529140)
        .WithAdvanced(SyncStream.Typing, 1, 18273700);

    [Benchmark(Description = "parse since")]
    public SyncToken? Parse() => SyncToken.TryParse(Since, out var token) ? token : null;

    [Benchmark(Description = "format next_batch")]
    public string Format() => _current.ToString();

    [Benchmark(Description = "since <= current")]
    public bool Compare() => _since.IsBeforeOrEqual(_current);

    [Benchmark(Description = "max(since, current)")]
    public SyncToken Max() => SyncToken.Max(_since, _current);
}
