using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Cluster.Shared.Events;
using Cluster.Shared.Signing;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Benchmarks.Signing;

/// <summary>The per-event crypto on the federation hot path: hash and sign what we send, verify what we receive.</summary>
[MemoryDiagnoser]
public class EventSigningBenchmarks
{
    private Ed25519SigningKey _key = null!;
    private JsonObject _toSign = null!;
    private JsonObject _signed = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = Ed25519SigningKey.FromSeed("a_XyZw", Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        _toSign = SampleEvents.TypicalMessage();
        _signed = SampleEvents.TypicalMessage();
        _signed.Remove("signatures");
        EventSigning.HashAndSign(_signed, Versions.V12, "matrix.example.org", _key);
        if (!EventSigning.Verify(_signed, Versions.V12, "matrix.example.org", _key.VerifyKey).IsValid)
            throw new InvalidOperationException("benchmark event does not verify");
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    // Signing in place again replaces the hash and the same key's signature, so every run does the full work.
    [Benchmark(Description = "hash + sign ~1 KB m.room.message (v12)")]
    public void HashAndSign() => EventSigning.HashAndSign(_toSign, Versions.V12, "matrix.example.org", _key);

    [Benchmark(Description = "verify signature + content hash (v12)")]
    public EventVerification Verify() => EventSigning.Verify(_signed, Versions.V12, "matrix.example.org", _key.VerifyKey);

    [Benchmark(Description = "event ID from reference hash (v12)")]
    public string EventId() => EventIds.Of(_signed, Versions.V12);

    [Benchmark(Description = "content hash only")]
    public byte[] ContentHash() => EventHashing.ComputeContentHash(_signed);

    [Benchmark(Description = "redact only")]
    public JsonObject Redact() => Redaction.Redact(_signed, Versions.V12);
}
