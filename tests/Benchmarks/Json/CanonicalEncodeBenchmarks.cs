using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Cluster.Shared.Json;

namespace Cluster.Benchmarks.Json;

/// <summary>
/// Canonical encoding of a ~1 KB event from each kind of input: a parsed node (values wrap a
/// JsonElement), a node built in code (values are CLR strings and longs), and a parsed element.
/// </summary>
[MemoryDiagnoser]
public class CanonicalEncodeBenchmarks
{
    private JsonObject _event = null!;
    private JsonObject _builtEvent = null!;
    private JsonElement _element;

    [GlobalSetup]
    public void Setup()
    {
        _event = SampleEvents.TypicalMessage();
        _builtEvent = (JsonObject)Rebuild(_event)!;
        _element = JsonElement.Parse(CanonicalJson.Encode(_event));
    }

    [Benchmark(Baseline = true, Description = "canonical encode, ~1 KB m.room.message")]
    public byte[] Encode() => CanonicalJson.Encode(_event);

    [Benchmark(Description = "canonical encode, event built from CLR values")]
    public byte[] EncodeBuilt() => CanonicalJson.Encode(_builtEvent);

    [Benchmark(Description = "canonical encode, straight from JsonElement")]
    public byte[] EncodeElement() => CanonicalJson.Encode(_element);

    [Benchmark(Description = "content-hash bytes from JsonElement (3 keys omitted)")]
    public byte[] EncodeElementWithout() => CanonicalJson.EncodeWithout(_element, "hashes", "signatures", "unsigned");

    private static JsonNode? Rebuild(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Rebuild(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Rebuild).ToArray()),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonValue.Create(v.GetValue<string>()),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => JsonValue.Create(v.GetValue<long>()),
        JsonValue v => JsonValue.Create(v.GetValue<bool>()),
        _ => null,
    };
}
