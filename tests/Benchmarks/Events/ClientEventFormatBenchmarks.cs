using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;

namespace Cluster.Benchmarks.Events;

/// <summary>
/// One stored ~1 KB m.room.message served to one client and written out, as each member's /sync
/// does: parsed to a node tree and formatted (before), or formatted from the stored UTF-8 bytes.
/// </summary>
[MemoryDiagnoser]
public class ClientEventFormatBenchmarks
{
    private const long Now = 1_732_350_005_000;
    private byte[] _stored = null!;
    private readonly RoomVersion _version = RoomVersions.V10;
    // Reused, as the response's writer is: the benchmark measures the event, not the writer.
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private Utf8JsonWriter _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _stored = JsonSerializer.SerializeToUtf8Bytes(SampleEvents.TypicalMessage());
        _writer = new Utf8JsonWriter(_output);
    }

    [Benchmark(Baseline = true, Description = "parse to JsonObject, format, write")]
    public long FromNodeTree() => Write(ClientEventFormat.Format(JsonNode.Parse(_stored)!.AsObject(), _version, "$e", "!r:x", false, Now));

    [Benchmark(Description = "format from stored UTF-8, write")]
    public long FromStoredBytes() => Write(ClientEventFormat.Format(_stored, _version, "$e", "!r:x", false, Now));

    private long Write(JsonObject formatted)
    {
        _output.ResetWrittenCount();
        _writer.Reset(_output);
        formatted.WriteTo(_writer);
        _writer.Flush();
        return _output.WrittenCount;
    }
}
