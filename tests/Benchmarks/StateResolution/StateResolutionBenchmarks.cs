using BenchmarkDotNet.Attributes;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.StateResolution;

namespace Cluster.Benchmarks.StateResolution;

/// <summary>
/// Resolves two forks of 510 state events each (over 1,000 conflicted state entries) over a room of 300 members.
/// Target: under 100 ms per resolution.
/// </summary>
[MemoryDiagnoser]
public class StateResolutionBenchmarks
{
    private IReadOnlyList<IReadOnlyDictionary<(string Type, string StateKey), string>> _forks = [];
    private IEventSource _events = null!;
    private RoomVersion _version = null!;

    [Params("11", "12")]
    public string RoomVersion { get; set; } = "12";

    [GlobalSetup]
    public void Setup()
    {
        RoomVersions.TryGet(RoomVersion, out _version);
        var room = ForkedRoom.Build(_version, members: 300, eventsPerFork: 510);
        _forks = room.Forks;
        _events = room.Source;
        var conflicted = _forks[0].Keys.Union(_forks[1].Keys)
            .Count(key => _forks[0].GetValueOrDefault(key) != _forks[1].GetValueOrDefault(key));
        var resolved = StateResolver.Resolve(_version, _forks, _events);
        var fromForks = resolved.Values.Count(id => id.StartsWith("$A", StringComparison.Ordinal) || id.StartsWith("$B", StringComparison.Ordinal));
        Console.WriteLine($"// room version {RoomVersion}: {conflicted} conflicted (type, state_key) entries; " +
            $"{resolved.Count} entries resolved, {fromForks} of them from the forks");
    }

    [Benchmark(Description = "resolve 2 forks x 510 state events")]
    public int Resolve() => StateResolver.Resolve(_version, _forks, _events).Count;
}
