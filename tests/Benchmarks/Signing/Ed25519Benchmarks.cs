using BenchmarkDotNet.Attributes;
using Cluster.Shared.Signing;

namespace Cluster.Benchmarks.Signing;

/// <summary>The libsodium floor under event signing: raw Ed25519 over a redacted event's size of bytes.</summary>
[MemoryDiagnoser]
public class Ed25519SignBenchmarks
{
    private Ed25519SigningKey _key = null!;
    private byte[] _data = null!;
    private byte[] _signature = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = Ed25519SigningKey.FromSeed("1", new byte[32]);
        _data = new byte[600];
        Random.Shared.NextBytes(_data);
        _signature = _key.Sign(_data);
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark(Description = "Ed25519 sign 600 bytes")]
    public byte[] Sign() => _key.Sign(_data);

    [Benchmark(Description = "Ed25519 verify 600 bytes")]
    public bool Verify() => _key.VerifyKey.Verify(_data, _signature);
}
