using System.Buffers;
using Cluster.Replication.Bus;
using Cluster.Replication.Caches;

namespace Cluster.Replication.Tests.Caches;

public class CacheInvalidationStreamTests
{
    private static byte[] Encode(CacheInvalidation invalidation)
    {
        var output = new ArrayBufferWriter<byte>();
        CacheInvalidationStream.Instance.Encode(invalidation, output);
        return output.WrittenSpan.ToArray();
    }

    [Test]
    public void KeysSurviveTheBusEncoding()
    {
        var decoded = CacheInvalidationStream.Instance.Decode(Encode(new CacheInvalidation("users", ["@a:x", "", "ünïcode"])));

        Assert.That(decoded.CacheName, Is.EqualTo("users"));
        Assert.That(decoded.Keys, Is.EqualTo(new[] { "@a:x", "", "ünïcode" }));
    }

    [Test]
    public void AWholeCacheInvalidationSurvivesTheBusEncoding()
    {
        var decoded = CacheInvalidationStream.Instance.Decode(Encode(CacheInvalidation.All("rooms")));

        Assert.That(decoded.Keys, Is.Null);
    }

    [Test]
    public void AnEmptyKeyListIsNotAWholeCacheInvalidation()
    {
        var decoded = CacheInvalidationStream.Instance.Decode(Encode(new CacheInvalidation("rooms", [])));

        Assert.That(decoded.Keys, Is.Empty);
    }

    [Test]
    public void TruncatedPayloadsAreFormatErrors()
    {
        var encoded = Encode(new CacheInvalidation("users", ["@a:x"]));
        for (var length = 0; length < encoded.Length; length++)
            Assert.Throws<ReplicationFormatException>(() => CacheInvalidationStream.Instance.Decode(encoded.AsSpan(0, length)), $"length {length}");
    }

    [Test]
    public void AnImplausibleKeyCountIsAFormatError()
    {
        var output = new ArrayBufferWriter<byte>();
        output.WriteString("users");
        output.WriteInt32(int.MaxValue);

        Assert.Throws<ReplicationFormatException>(() => CacheInvalidationStream.Instance.Decode(output.WrittenSpan));
    }

    [Test]
    public void AnInvalidationNamesItsCache() =>
        Assert.Throws<ArgumentException>(() => _ = new CacheInvalidation("", ["k"]));
}
