using Cluster.Replication.Bus;

namespace Cluster.Replication.Tests.Bus;

public class ReplicationMessageCodecTests
{
    private static StreamUpdate SampleUpdate() =>
        new("events", 3, 10, 14, false, [new EncodedRow(11, new byte[] { 1, 2, 3 }), new EncodedRow(14, Array.Empty<byte>())]);

    [Test]
    public void AStreamUpdateSurvivesEncoding()
    {
        var decoded = (StreamUpdate)ReplicationMessageCodec.Decode(ReplicationMessageCodec.Encode(SampleUpdate()));

        Assert.That(decoded.Stream, Is.EqualTo("events"));
        Assert.That(decoded.WriterId, Is.EqualTo(3));
        Assert.That(decoded.PreviousPosition, Is.EqualTo(10));
        Assert.That(decoded.Position, Is.EqualTo(14));
        Assert.That(decoded.RowsOmitted, Is.False);
        Assert.That(decoded.Rows.Select(r => r.Position), Is.EqualTo(new long[] { 11, 14 }));
        Assert.That(decoded.Rows[0].Payload.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(decoded.Rows[1].Payload.Length, Is.Zero);
    }

    [Test]
    public void AnUpdateWithRowsOmittedSurvivesEncoding()
    {
        var update = new StreamUpdate("caches", 1, 5, 9, true, []);

        var decoded = (StreamUpdate)ReplicationMessageCodec.Decode(ReplicationMessageCodec.Encode(update));

        Assert.That(decoded.RowsOmitted, Is.True);
        Assert.That(decoded.Rows, Is.Empty);
    }

    [Test]
    public void AProbeSurvivesEncoding()
    {
        var nonce = Guid.NewGuid();

        Assert.That(ReplicationMessageCodec.Decode(ReplicationMessageCodec.Encode(new BusProbe(nonce))), Is.EqualTo(new BusProbe(nonce)));
    }

    [Test]
    public void EveryTruncationOfAnUpdateIsAFormatError()
    {
        var encoded = ReplicationMessageCodec.Encode(SampleUpdate());
        for (var length = 0; length < encoded.Length; length++)
            Assert.Throws<ReplicationFormatException>(() => ReplicationMessageCodec.Decode(encoded.AsSpan(0, length)), $"length {length}");
    }

    [Test]
    public void TrailingBytesAreAFormatError()
    {
        var encoded = ReplicationMessageCodec.Encode(SampleUpdate()).Append((byte)0).ToArray();

        Assert.Throws<ReplicationFormatException>(() => ReplicationMessageCodec.Decode(encoded));
    }

    [TestCase(0, (byte)2, TestName = "AnUnknownVersionIsAFormatError")]
    [TestCase(1, (byte)9, TestName = "AnUnknownKindIsAFormatError")]
    public void AHeaderByteChangedIsAFormatError(int index, byte value)
    {
        var encoded = ReplicationMessageCodec.Encode(SampleUpdate());
        encoded[index] = value;

        Assert.Throws<ReplicationFormatException>(() => ReplicationMessageCodec.Decode(encoded));
    }

    [Test]
    public void AnUpdateWhoseRowsAreOutsideItsRangeIsAFormatError()
    {
        // Build a valid update, then rewrite the first row's position (after the header) to 99.
        var encoded = ReplicationMessageCodec.Encode(SampleUpdate());
        var rowPositionOffset = 2 + 4 + "events".Length + 4 + 8 + 8 + 1 + 4;
        BitConverter.GetBytes(99L).CopyTo(encoded, rowPositionOffset);

        Assert.Throws<ReplicationFormatException>(() => ReplicationMessageCodec.Decode(encoded));
    }

    [Test]
    public void AnUpdateGoingBackwardsCannotBeBuilt() =>
        Assert.Throws<ArgumentException>(() => _ = new StreamUpdate("events", 1, 10, 9, false, []));

    [Test]
    public void AnUpdateThatOmitsRowsCarriesNone() =>
        Assert.Throws<ArgumentException>(() => _ = new StreamUpdate("events", 1, 1, 2, true, [new EncodedRow(2, Array.Empty<byte>())]));

    [Test]
    public void InvalidUtf8InTheStreamNameIsAFormatError()
    {
        var encoded = ReplicationMessageCodec.Encode(SampleUpdate());
        encoded[2 + 4] = 0xFF;

        Assert.Throws<ReplicationFormatException>(() => ReplicationMessageCodec.Decode(encoded));
    }
}
