using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Cluster.Shared.Json;

namespace Cluster.Benchmarks.Json;

/// <summary>
/// From received bytes to canonical bytes: what the strict checks cost over a plain parse, and
/// whether the JsonElement route beats building nodes.
/// </summary>
[MemoryDiagnoser]
public class StrictJsonBenchmarks
{
    private byte[] _bytes = [];

    [GlobalSetup]
    public void Setup() => _bytes = CanonicalJson.Encode(SampleEvents.TypicalMessage());

    [Benchmark(Baseline = true, Description = "JsonElement.Parse (no checks)")]
    public JsonElement PlainParse() => JsonElement.Parse(_bytes);

    [Benchmark(Description = "StrictJson.ParseElement, room v6+ rules")]
    public JsonElement StrictParse() => StrictJson.ParseElement(_bytes, StrictJsonOptions.StrictCanonical);

    [Benchmark(Description = "strict parse to JsonObject + canonical encode")]
    public byte[] StrictParseNodeThenEncode() => CanonicalJson.Encode(StrictJson.ParseObject(_bytes, StrictJsonOptions.StrictCanonical));

    [Benchmark(Description = "strict parse to JsonElement + canonical encode")]
    public byte[] StrictParseElementThenEncode() => CanonicalJson.Encode(StrictJson.ParseElement(_bytes, StrictJsonOptions.StrictCanonical));

    [Benchmark(Description = "JsonNode.Parse + canonical encode (unchecked)")]
    public byte[] PlainNodeParseThenEncode() => CanonicalJson.Encode(JsonNode.Parse(_bytes));
}
