using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Cluster.Shared.Json;

namespace Cluster.Benchmarks.Json;

[MemoryDiagnoser]
public class CanonicalEncodeBenchmarks
{
    private JsonObject _event = null!;

    [GlobalSetup]
    public void Setup() => _event = SampleEvents.TypicalMessage();

    [Benchmark(Description = "canonical encode, ~1 KB m.room.message")]
    public byte[] Encode() => CanonicalJson.Encode(_event);
}
